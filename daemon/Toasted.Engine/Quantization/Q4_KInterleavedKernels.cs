using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q4_KInterleaved"/> groups. Per super-block column: sixteen 64-byte
/// weight loads; each sub-block's nibble products (vpmaddubsw against activation patterns prepared once per
/// call) are summed as shorts and weighted by the eight rows' sub-block scales in one vpmaddwd; the mins meet
/// the activation block sums in four more; then one convert and one fused multiply-add per row for each of
/// the two float terms. Those loops are shared with Q5_K (<see cref="ScaleMinInterleavedLoops{TCodes}"/>, here
/// over the nibbles alone); this struct keeps the digests, the helpers of those loops and, with AVX-VNNI, <see cref="GroupsVnni256"/> builds the same ints with vpdpbusd against
/// 4-byte activation broadcasts instead. The float steps are those of <see cref="Q4_KInterleaved.DotGroupsScalar"/>,
/// so every path equals it to the bit.
/// <para>
/// Exactness: a vpmaddubsw pair sum is at most 2·15·127 = 3810 in magnitude, so eight of them (the most a
/// sub-block adds per lane before vpmaddwd) stay within a short; scales and mins are at most 63 and the pair
/// sums of the block sums at most 32·127, so vpmaddwd is exact, and a super-block's ints stay far below 2³¹.
/// </para>
/// </summary>
public readonly unsafe struct Q4_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = Q4_KInterleaved.RowsPerGroup;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int QuantColumnBytes = Q4_KInterleaved.QuantColumnBytes;
    /// <summary>
    /// Per activation block: 64 patterns of 32 bytes, pattern 16k + 8n + c being dword c of the 32 quants
    /// that nibble half n (0 low, 1 high) of chunk k multiplies, repeated in all eight lanes; then the eight
    /// sub-block sums bsums[2j] + bsums[2j+1] as shorts.
    /// </summary>
    internal const int DigestBlockBytes = 64 * 32 + 64;
    private const int SubBlockSumsOffset = 64 * 32;
    /// <summary>Per activation block for <see cref="GroupsVnni256"/>: the 256 quants as they are, then the sub-block sums.</summary>
    private const int CompactDigestBlockBytes = 256 + 64;
    private const int CompactSubBlockSumsOffset = 256;

    /// <summary>As <see cref="Q4_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q4_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => InterleavedKernelDriver<Q4_KInterleavedKernels>.UsesVnniLoop ? CompactDigestBlockBytes : DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        ScaleMinInterleavedLoops<Nibbles>.Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        ScaleMinInterleavedLoops<Nibbles>.Groups256(packed, groups, blocks, digest, activationScales, destination);

    /// <summary>Q4_K's codes: the nibbles alone.</summary>
    private readonly struct Nibbles : IInterleavedScaleMinCodes
    {
        public static long GroupBytes(int blocks) => Q4_KInterleaved.GroupBytes(blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* Column(byte* group, int block, int blocks, out byte* header) => Q4_KInterleaved.Column(group, block, blocks, out header);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Extra512(byte* quants, int t) => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Low512(Vector512<byte> packed, Vector512<byte> extra, int chunk) => packed & Vector512.Create((byte)0x0F);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> High512(Vector512<byte> packed, Vector512<byte> extra, int chunk) => PackedNibbles.High512(packed);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Extra256(byte* quants, int c) => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Low256(Vector256<byte> packed, Vector256<byte> extra, int chunk) => packed & Vector256.Create((byte)0x0F);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> High256(Vector256<byte> packed, Vector256<byte> extra, int chunk) => PackedNibbles.High256(packed);

        public static int StepsPerWidening => 8;
    }

    static bool IInterleavedKernel.HasVnniLoop => true;

    static void IInterleavedKernel.GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsVnni256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        if (!InterleavedKernelDriver<Q4_KInterleavedKernels>.UsesVnniLoop)
        {
            FillPatternDigest(activation, blocks, digest, activationScales);
            return;
        }
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            activationScales[b] = Unsafe.ReadUnaligned<float>(a);
            short* blockSums = (short*)(a + Q8_KKernels.BlockSumsOffset);
            byte* compact = digest + (long)b * CompactDigestBlockBytes;
            Unsafe.CopyBlockUnaligned(compact, a + Q8_KKernels.QuantsOffset, 256);
            for (int j = 0; j < 8; j++)
                ((short*)(compact + CompactSubBlockSumsOffset))[j] = (short)(blockSums[2 * j] + blockSums[2 * j + 1]);
        }
    }

    /// <summary>The digest the <c>vpmaddubsw</c> loops read (<see cref="DigestBlockBytes"/> per block), also Q5_K's.</summary>
    internal static void FillPatternDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            activationScales[b] = Unsafe.ReadUnaligned<float>(a);
            short* blockSums = (short*)(a + Q8_KKernels.BlockSumsOffset);
            byte* patterns = digest + (long)b * DigestBlockBytes;
            for (int k = 0; k < 4; k++)
            for (int half = 0; half < 2; half++)
            for (int c = 0; c < 8; c++)
                Vector256.Create(Unsafe.ReadUnaligned<uint>(a + Q8_KKernels.QuantsOffset + 64 * k + 32 * half + 4 * c))
                    .Store((uint*)(patterns + 32 * (16 * k + 8 * half + c)));
            short* subBlockSums = (short*)(patterns + SubBlockSumsOffset);
            for (int j = 0; j < 8; j++)
                subBlockSums[j] = (short)(blockSums[2 * j] + blockSums[2 * j + 1]);
        }
    }

    /// <summary>
    /// The 256-bit loop with <c>vpdpbusd</c>, preferred wherever AVX-VNNI exists (also beside AVX-512): the eight
    /// lanes of a half-vector all multiply the same four activation quants, so each activation operand is a 4-byte
    /// broadcast from the raw Q8_K row; low nibbles and in-place high nibbles (16 · nibble, divided out exactly
    /// once per chunk) build one exact int per row and sub-block, weighted by the row's scale in one vpmulld.
    /// The ints are <see cref="Groups256"/>'s and so are the float steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var lowMask = Vector256.Create((byte)0x0F);
        var highMask = Vector256.Create((byte)0xF0);
        long groupBytes = Q4_KInterleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var scaled = Vector256<float>.Zero;
            var offsets = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q4_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* activationBlock = digest + (long)b * CompactDigestBlockBytes;
                // Half-vector 8k + c: lane r holds bytes 4c… of chunk k of row r; low nibbles meet quants 64k + 4c…,
                // high nibbles 64k + 32 + 4c…. The four chunks run side by side: eight independent sums.
                int* q = (int*)activationBlock;
                Vector256<int> low0 = default, high0 = default, low1 = default, high1 = default;
                Vector256<int> low2 = default, high2 = default, low3 = default, high3 = default;
                for (int c = 0; c < 8; c++, q++)
                {
                    var w0 = Vector256.Load(quants + 32 * c);
                    var w1 = Vector256.Load(quants + 256 + 32 * c);
                    var w2 = Vector256.Load(quants + 512 + 32 * c);
                    var w3 = Vector256.Load(quants + 768 + 32 * c);
                    low0 = AvxVnni.MultiplyWideningAndAdd(low0, w0 & lowMask, Vector256.Create(q[0]).AsSByte());
                    high0 = AvxVnni.MultiplyWideningAndAdd(high0, w0 & highMask, Vector256.Create(q[8]).AsSByte());
                    low1 = AvxVnni.MultiplyWideningAndAdd(low1, w1 & lowMask, Vector256.Create(q[16]).AsSByte());
                    high1 = AvxVnni.MultiplyWideningAndAdd(high1, w1 & highMask, Vector256.Create(q[24]).AsSByte());
                    low2 = AvxVnni.MultiplyWideningAndAdd(low2, w2 & lowMask, Vector256.Create(q[32]).AsSByte());
                    high2 = AvxVnni.MultiplyWideningAndAdd(high2, w2 & highMask, Vector256.Create(q[40]).AsSByte());
                    low3 = AvxVnni.MultiplyWideningAndAdd(low3, w3 & lowMask, Vector256.Create(q[48]).AsSByte());
                    high3 = AvxVnni.MultiplyWideningAndAdd(high3, w3 & highMask, Vector256.Create(q[56]).AsSByte());
                }
                byte* scaleBytes = header + Q4_KInterleaved.ScalesOffset;
                var ints = low0 * Avx2.ConvertToVector256Int32(scaleBytes) + (high0 >> 4) * Avx2.ConvertToVector256Int32(scaleBytes + 8)
                    + low1 * Avx2.ConvertToVector256Int32(scaleBytes + 16) + (high1 >> 4) * Avx2.ConvertToVector256Int32(scaleBytes + 24)
                    + low2 * Avx2.ConvertToVector256Int32(scaleBytes + 32) + (high2 >> 4) * Avx2.ConvertToVector256Int32(scaleBytes + 40)
                    + low3 * Avx2.ConvertToVector256Int32(scaleBytes + 48) + (high3 >> 4) * Avx2.ConvertToVector256Int32(scaleBytes + 56);
                AddColumn(ref scaled, ref offsets, ints, MinsTimesSubBlockSums(header, activationBlock, CompactSubBlockSumsOffset), header, activationScales[b]);
            }
            (scaled + offsets).Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>
    /// The float steps of one super-block column: <c>scaled = fma(isum, d · d8, scaled)</c> and
    /// <c>offsets = fma(−imins, dmin · d8, offsets)</c>, per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddColumn(ref Vector256<float> scaled, ref Vector256<float> offsets, Vector256<int> ints, Vector256<int> mins,
        byte* header, float activationScale)
    {
        var scales = InterleavedScales.FromHalves(header) * Vector256.Create(activationScale);
        var minScales = InterleavedScales.FromHalves(header + Q4_KInterleaved.MinScalesOffset) * Vector256.Create(activationScale);
        scaled = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints), scales, scaled);
        offsets = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(-mins), minScales, offsets);
    }

    /// <summary>
    /// Per row, Σ_j min_j · (bsums[2j] + bsums[2j+1]): the mins of sub-blocks 2p and 2p+1 sit side by side
    /// in each row's 4-byte lane, so widening them to shorts lines them up with the two sums repeated.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MinsTimesSubBlockSums(byte* header, byte* patterns, int sumsOffset = SubBlockSumsOffset)
    {
        byte* mins = header + Q4_KInterleaved.MinsOffset;
        uint* sums = (uint*)(patterns + sumsOffset);
        var total = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(mins), Vector256.Create(sums[0]).AsInt16());
        total += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(mins + 16), Vector256.Create(sums[1]).AsInt16());
        total += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(mins + 32), Vector256.Create(sums[2]).AsInt16());
        total += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(mins + 48), Vector256.Create(sums[3]).AsInt16());
        return total;
    }

    /// <summary>
    /// The shuffle that turns the eight scale bytes of a sub-block (broadcast to every 128-bit lane) into
    /// one short per vpmaddubsw pair: both shorts of 4-byte lane i get the scale of row i mod 8 (vpshufb indexes
    /// within a 128-bit lane, and the eight scale bytes are repeated in each; 0x80 gives a zero high byte).
    /// A constant, so the JIT keeps it in a register rather than on the stack across the loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<byte> ScaleSpread512() =>
        Vector512.Create(0x80008000u, 0x80018001u, 0x80028002u, 0x80038003u, 0x80048004u, 0x80058005u, 0x80068006u, 0x80078007u,
            0x80008000u, 0x80018001u, 0x80028002u, 0x80038003u, 0x80048004u, 0x80058005u, 0x80068006u, 0x80078007u).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> ScaleSpread256() => ScaleSpread512().GetLower();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<short> SubBlockScales512(byte* header, int subBlock, Vector512<byte> spread) =>
        Avx512BW.Shuffle(Vector512.Create(*(ulong*)(header + Q4_KInterleaved.ScalesOffset + 8 * subBlock)).AsByte(), spread).AsInt16();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<short> SubBlockScales256(byte* header, int subBlock, Vector256<byte> spread) =>
        Avx2.Shuffle(Vector256.Create(*(ulong*)(header + Q4_KInterleaved.ScalesOffset + 8 * subBlock)).AsByte(), spread).AsInt16();
}
