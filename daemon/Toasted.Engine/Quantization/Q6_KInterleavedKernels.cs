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
/// then one convert and one fused multiply-add per row. The float steps are those of
/// <see cref="Q6_KInterleaved.DotGroupsScalar"/>, so every path equals it to the bit.
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
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q6_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0);
        var pickSecond = PairedRowScales.Pick(1);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q6_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector512<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    // Scale pair 4h + quarter holds the quarter's two groups: dwords 0–3 and dwords 4–7 of its 32 elements.
                    var quarter0Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h);
                    var quarter1Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 1);
                    var quarter2Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 2);
                    var quarter3Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 3);
                    for (int half = 0; half < 2; half++)
                    {
                        var pick = half == 0 ? pickFirst : pickSecond;
                        var quarter0 = Vector512<short>.Zero;
                        var quarter1 = Vector512<short>.Zero;
                        var quarter2 = Vector512<short>.Zero;
                        var quarter3 = Vector512<short>.Zero;
                        for (int t = 2 * half; t < 2 * half + 2; t++)
                        {
                            byte* planes = quants + HalfBytes * h + 64 * t;
                            var (q0, q1, q2, q3) = Quants(Vector512.Load(planes), Vector512.Load(planes + PlaneBytes), Vector512.Load(planes + 2 * PlaneBytes));
                            sbyte* pattern = (sbyte*)patterns + 1024 * h + 64 * t;
                            quarter0 += Avx512BW.MultiplyAddAdjacent(q0, Vector512.Load(pattern));
                            quarter1 += Avx512BW.MultiplyAddAdjacent(q1, Vector512.Load(pattern + 256));
                            quarter2 += Avx512BW.MultiplyAddAdjacent(q2, Vector512.Load(pattern + 512));
                            quarter3 += Avx512BW.MultiplyAddAdjacent(q3, Vector512.Load(pattern + 768));
                        }
                        ints += Avx512BW.MultiplyAddAdjacent(quarter0, PairedRowScales.Spread(quarter0Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter1, PairedRowScales.Spread(quarter1Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter2, PairedRowScales.Spread(quarter2Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                var rowInts = ints.GetLower() + ints.GetUpper() - (OffsetCorrection(header, patterns) << 5);
                var scales = InterleavedScales.FromHalves(header) * Vector256.Create(activationScales[b]);
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(rowInts), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q6_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0).GetLower();
        var pickSecond = PairedRowScales.Pick(1).GetLower();
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q6_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector256<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var quarter0Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h);
                    var quarter1Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 1);
                    var quarter2Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 2);
                    var quarter3Scales = PairedRowScales.Wide(header + Q6_KInterleaved.ScalesOffset, 4 * h + 3);
                    // Dwords 0–3 of each quarter belong to the first group of a pair, 4–7 to the second;
                    // two dwords at a time keep the short sums exact.
                    for (int c = 0; c < 8; c += 2)
                    {
                        var pick = c < 4 ? pickFirst : pickSecond;
                        var quarter0 = Vector256<short>.Zero;
                        var quarter1 = Vector256<short>.Zero;
                        var quarter2 = Vector256<short>.Zero;
                        var quarter3 = Vector256<short>.Zero;
                        for (int dword = c; dword < c + 2; dword++)
                        {
                            byte* planes = quants + HalfBytes * h + 32 * dword;
                            var (q0, q1, q2, q3) = Quants(Vector256.Load(planes), Vector256.Load(planes + PlaneBytes), Vector256.Load(planes + 2 * PlaneBytes));
                            sbyte* pattern = (sbyte*)patterns + 1024 * h + 32 * dword;
                            quarter0 += Avx2.MultiplyAddAdjacent(q0, Vector256.Load(pattern));
                            quarter1 += Avx2.MultiplyAddAdjacent(q1, Vector256.Load(pattern + 256));
                            quarter2 += Avx2.MultiplyAddAdjacent(q2, Vector256.Load(pattern + 512));
                            quarter3 += Avx2.MultiplyAddAdjacent(q3, Vector256.Load(pattern + 768));
                        }
                        ints = ScaledAdd(ints, quarter0, PairedRowScales.Spread(quarter0Scales, pick));
                        ints = ScaledAdd(ints, quarter1, PairedRowScales.Spread(quarter1Scales, pick));
                        ints = ScaledAdd(ints, quarter2, PairedRowScales.Spread(quarter2Scales, pick));
                        ints = ScaledAdd(ints, quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                var rowInts = ints - (OffsetCorrection(header, patterns) << 5);
                var scales = InterleavedScales.FromHalves(header) * Vector256.Create(activationScales[b]);
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(rowInts), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * RowsPerGroup);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaledAdd(Vector256<int> accumulator, Vector256<short> pairs, Vector256<short> scales) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(accumulator, pairs, scales)
            : accumulator + Avx2.MultiplyAddAdjacent(pairs, scales);

    /// <summary>Per row, Σ_g scale_g · bsums[g]: row r's scale pair meets the pair of block sums repeated in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> OffsetCorrection(byte* header, byte* patterns) =>
        PairedRowScales.TimesSums(header + Q6_KInterleaved.ScalesOffset, (short*)(patterns + BlockSumsOffset), 8);
}
