using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q6_KInterleaved"/> groups. Per super-block column: 24 64-byte weight
/// loads decode to 32 vectors of unsigned 6-bit quants (three planes masked, the fourth quarter gathered from
/// their top bits, per byte with GFNI's affine transform where the core has it); their products with activation patterns prepared
/// once per call (vpmaddubsw) are summed two at a time as shorts and weighted by the eight rows' group scales
/// in one vpmaddwd per group; the −32 offset comes out as 32 · Σ_g scale_g · bsums[g] (eight more vpmaddwd);
/// then one convert and one fused multiply-add per row. The loops are shared with Q3_K and Q2_K
/// (<see cref="GroupScaleInterleavedLoops{TColumn}"/>); this struct keeps the activation patterns they all read and Q6_K's
/// column (<see cref="Planes"/>). The float steps are those of <see cref="Q6_KInterleaved.DotGroupsScalar"/>, so every path
/// equals it to the bit.
/// <para>
/// Exactness: a vpmaddubsw pair sum is at most 2·63·127 = 16002 in magnitude, so two of them still fit a
/// short; scales are int8, so vpmaddwd is exact, and a super-block's ints stay below 2³¹ (at most
/// 256·63·127·128 before the offset).
/// </para>
/// </summary>
public readonly unsafe struct Q6_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = Q6_KInterleaved.RowsPerGroup;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int QuantColumnBytes = Q6_KInterleaved.QuantColumnBytes;
    private const int PlaneBytes = Q6_KInterleaved.PlaneBytes;
    private const int HalfBytes = Q6_KInterleaved.HalfBytes;
    /// <summary>
    /// Per activation block: 64 patterns of 32 bytes, pattern 32h + 16n + 8s + c being dword c of the 32
    /// quants at element 128h + 64n + 32s (those that nibble n of ql chunk 2h + s multiplies), repeated in
    /// all eight lanes; then the sixteen bsums.
    /// </summary>
    internal const int DigestBlockBytes = 64 * 32 + 64;
    internal const int BlockSumsOffset = 64 * 32;

    /// <summary>As <see cref="Q6_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q6_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<Planes>.Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<Planes>.Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q6_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    internal static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* patterns = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Unsafe.ReadUnaligned<float>(a);
            for (int pattern = 0; pattern < 64; pattern++)
            {
                // pattern = 32h + 16n + 8s + c reads element 128h + 64n + 32s + 4c: the pattern index times four.
                Vector256.Create(Unsafe.ReadUnaligned<uint>(a + Q8_KKernels.QuantsOffset + 4 * pattern)).Store((uint*)(patterns + 32 * pattern));
            }
            Unsafe.CopyBlockUnaligned(patterns + BlockSumsOffset, a + Q8_KKernels.BlockSumsOffset, 32);
        }
    }

    /// <summary>Q6_K's column for the shared loops: quarters from three planes, signed scales, the −32 offset and a fused step.</summary>
    private readonly struct Planes : IGroupScaleColumn
    {
        public static long GroupBytes(int blocks) => Q6_KInterleaved.GroupBytes(blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* Column(byte* group, int block, int blocks, out byte* header) => Q6_KInterleaved.Column(group, block, blocks, out header);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Quarters512(byte* quants, int h, int pair, int odd)
        {
            byte* planes = quants + HalfBytes * h + 128 * pair + 64 * odd;
            return Quants(Vector512.Load(planes), Vector512.Load(planes + PlaneBytes), Vector512.Load(planes + 2 * PlaneBytes));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quarters256(byte* quants, int h, int c)
        {
            byte* planes = quants + HalfBytes * h + 32 * c;
            return Quants(Vector256.Load(planes), Vector256.Load(planes + PlaneBytes), Vector256.Load(planes + 2 * PlaneBytes));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Scales(byte* header, int pair) => PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, pair);

        /// <summary>The −32 offset out as 32 · Σ_g scale_g · bsums[g], then <c>sum = fma(isum, d · d8, sum)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> sums, Vector256<int> ints, byte* header, byte* patterns, float activationScale) =>
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints - (OffsetCorrection(header, patterns) << 5)),
                InterleavedScales.FromHalves(header) * Vector256.Create(activationScale), sums);
    }

    /// <summary>
    /// The unsigned 6-bit quants of a half's four quarters from its three planes: quarters 0–2 are the planes'
    /// low six bits; quarter 3 is bits 6–7 of plane 0, 1 and 2 moved to bits 0–1, 2–3 and 4–5. GFNI moves bits
    /// within each byte (<see cref="TopPairTo"/>); without it a 16-bit shift moves them and a mask drops what
    /// the neighbouring byte shifted in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Quants(Vector512<byte> plane0, Vector512<byte> plane1, Vector512<byte> plane2)
    {
        var six = Vector512.Create((byte)0x3F);
        Vector512<byte> fourth;
        if (Gfni.V512.IsSupported)
            fourth = Gfni.V512.GaloisFieldAffineTransform(plane0, Vector512.Create(TopPairTo(0)).AsByte(), 0)
                | Gfni.V512.GaloisFieldAffineTransform(plane1, Vector512.Create(TopPairTo(2)).AsByte(), 0)
                | Gfni.V512.GaloisFieldAffineTransform(plane2, Vector512.Create(TopPairTo(4)).AsByte(), 0);
        else
            fourth = ((plane0.AsUInt16() >>> 6).AsByte() & Vector512.Create((byte)0x03))
                | ((plane1.AsUInt16() >>> 4).AsByte() & Vector512.Create((byte)0x0C))
                | ((plane2.AsUInt16() >>> 2).AsByte() & Vector512.Create((byte)0x30));
        return (plane0 & six, plane1 & six, plane2 & six, fourth);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quants(Vector256<byte> plane0, Vector256<byte> plane1, Vector256<byte> plane2)
    {
        var six = Vector256.Create((byte)0x3F);
        Vector256<byte> fourth;
        if (Gfni.V256.IsSupported)
            fourth = Gfni.V256.GaloisFieldAffineTransform(plane0, Vector256.Create(TopPairTo(0)).AsByte(), 0)
                | Gfni.V256.GaloisFieldAffineTransform(plane1, Vector256.Create(TopPairTo(2)).AsByte(), 0)
                | Gfni.V256.GaloisFieldAffineTransform(plane2, Vector256.Create(TopPairTo(4)).AsByte(), 0);
        else
            fourth = ((plane0.AsUInt16() >>> 6).AsByte() & Vector256.Create((byte)0x03))
                | ((plane1.AsUInt16() >>> 4).AsByte() & Vector256.Create((byte)0x0C))
                | ((plane2.AsUInt16() >>> 2).AsByte() & Vector256.Create((byte)0x30));
        return (plane0 & six, plane1 & six, plane2 & six, fourth);
    }

    /// <summary>
    /// The bit matrix of a GF(2) affine transform that moves bits 6 and 7 of every byte to bits
    /// <paramref name="bit"/> and <paramref name="bit"/> + 1 and clears the rest: output bit i is the parity of the
    /// input byte masked by matrix byte 7 − i, so byte 7 − bit holds bit 6 alone and byte 6 − bit bit 7 alone.
    /// </summary>
    private static ulong TopPairTo(int bit) => 0x40UL << (8 * (7 - bit)) | 0x80UL << (8 * (6 - bit));

    /// <summary>Per row, Σ_g scale_g · bsums[g]: row r's scale pair meets the pair of block sums repeated in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> OffsetCorrection(byte* header, byte* patterns) =>
        PairedRowScales.TimesSums(header + Q6_KInterleaved.ScalesOffset, (short*)(patterns + BlockSumsOffset), 8);
}
