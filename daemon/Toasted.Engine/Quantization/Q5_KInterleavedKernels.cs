using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q5_KInterleaved"/> groups: <see cref="Q4_KInterleavedKernels"/>' loops, with each
/// nibble vector given its fifth bits before it meets the activation patterns (the same digest). Bit s of the qh
/// bytes becomes bit 4 of each code, in one GFNI affine transform where the core has it (<see cref="FifthBits512"/>),
/// else a shift pair and a mask. The float steps are those of <see cref="Q5_KInterleaved.DotGroupsScalar"/>, so every
/// path equals it to the bit.
/// <para>
/// Exactness: a <c>vpmaddubsw</c> pair sum is at most 2 · 31 · 128 = 7936 in magnitude, so four of them fit a short
/// (31744) and eight would not: the 512-bit loop adds four per lane before <c>vpmaddwd</c> (as Q4_K's), the 256-bit
/// loop widens every four steps instead of every eight.
/// </para>
/// </summary>
public readonly unsafe struct Q5_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = Q5_KInterleaved.RowsPerGroup;
    private const int DigestBlockBytes = Q4_KInterleavedKernels.DigestBlockBytes;

    /// <summary>As <see cref="Q5_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q5_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q4_KInterleavedKernels.FillPatternDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q5_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var scaleSpread = Q4_KInterleavedKernels.ScaleSpread512();
        var mask = Vector512.Create((byte)0x0F);
        long groupBytes = Q5_KInterleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            // Scaled terms in the lower half, offsets in the upper, as the header keeps the eight d then the eight dmin.
            var terms = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q5_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* fifth = quants + Q5_KInterleaved.HighBitsOffset;
                var h0 = Vector512.Load(fifth);
                var h1 = Vector512.Load(fifth + 64);
                var h2 = Vector512.Load(fifth + 128);
                var h3 = Vector512.Load(fifth + 192);
                var ints = Vector512<int>.Zero;
                for (int k = 0; k < 4; k++)
                {
                    byte* w = quants + 256 * k;
                    sbyte* low = (sbyte*)patterns + 512 * k;
                    sbyte* high = low + 256;
                    var w0 = Vector512.Load(w);
                    var w1 = Vector512.Load(w + 64);
                    var w2 = Vector512.Load(w + 128);
                    var w3 = Vector512.Load(w + 192);
                    var lowPairs = Avx512BW.MultiplyAddAdjacent((w0 & mask) | FifthBits512(h0, 2 * k), Vector512.Load(low))
                        + Avx512BW.MultiplyAddAdjacent((w1 & mask) | FifthBits512(h1, 2 * k), Vector512.Load(low + 64))
                        + Avx512BW.MultiplyAddAdjacent((w2 & mask) | FifthBits512(h2, 2 * k), Vector512.Load(low + 128))
                        + Avx512BW.MultiplyAddAdjacent((w3 & mask) | FifthBits512(h3, 2 * k), Vector512.Load(low + 192));
                    var highPairs = Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w0) | FifthBits512(h0, 2 * k + 1), Vector512.Load(high))
                        + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w1) | FifthBits512(h1, 2 * k + 1), Vector512.Load(high + 64))
                        + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w2) | FifthBits512(h2, 2 * k + 1), Vector512.Load(high + 128))
                        + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w3) | FifthBits512(h3, 2 * k + 1), Vector512.Load(high + 192));
                    ints += Avx512BW.MultiplyAddAdjacent(lowPairs, Q4_KInterleavedKernels.SubBlockScales512(header, 2 * k, scaleSpread))
                        + Avx512BW.MultiplyAddAdjacent(highPairs, Q4_KInterleavedKernels.SubBlockScales512(header, 2 * k + 1, scaleSpread));
                }
                var rowInts = VectorHalves.Join(ints.GetLower() + ints.GetUpper(), -Q4_KInterleavedKernels.MinsTimesSubBlockSums(header, patterns));
                var factors = InterleavedScales.FromSixteenHalves(header) * Vector512.Create(activationScales[b]);
                terms = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(rowInts), factors, terms);
            }
            (terms.GetLower() + terms.GetUpper()).Store(destination + (long)g * RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var scaleSpread = Q4_KInterleavedKernels.ScaleSpread256();
        var mask = Vector256.Create((byte)0x0F);
        long groupBytes = Q5_KInterleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var scaled = Vector256<float>.Zero;
            var offsets = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q5_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* fifth = quants + Q5_KInterleaved.HighBitsOffset;
                var ints = Vector256<int>.Zero;
                for (int k = 0; k < 4; k++)
                {
                    byte* w = quants + 256 * k;
                    sbyte* low = (sbyte*)patterns + 512 * k;
                    sbyte* high = low + 256;
                    var lowScales = Q4_KInterleavedKernels.SubBlockScales256(header, 2 * k, scaleSpread);
                    var highScales = Q4_KInterleavedKernels.SubBlockScales256(header, 2 * k + 1, scaleSpread);
                    // Four steps per widening: eight 5-bit pair sums could leave a short.
                    for (int c0 = 0; c0 < 8; c0 += 4)
                    {
                        var lowPairs = Vector256<short>.Zero;
                        var highPairs = Vector256<short>.Zero;
                        for (int c = c0; c < c0 + 4; c++)
                        {
                            var packedBytes = Vector256.Load(w + 32 * c);
                            var fifthBits = Vector256.Load(fifth + 32 * c);
                            lowPairs += Avx2.MultiplyAddAdjacent((packedBytes & mask) | FifthBits256(fifthBits, 2 * k), Vector256.Load(low + 32 * c));
                            highPairs += Avx2.MultiplyAddAdjacent(PackedNibbles.High256(packedBytes) | FifthBits256(fifthBits, 2 * k + 1), Vector256.Load(high + 32 * c));
                        }
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, lowPairs, lowScales);
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, highPairs, highScales);
                    }
                }
                Q4_KInterleavedKernels.AddColumn(ref scaled, ref offsets, ints, Q4_KInterleavedKernels.MinsTimesSubBlockSums(header, patterns), header, activationScales[b]);
            }
            (scaled + offsets).Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>
    /// Bit <paramref name="bit"/> of every byte moved to bit 4, the rest cleared. GFNI: output bit i is the parity of
    /// the input byte masked by matrix byte 7 − i, so matrix byte 3 holds the one input bit. Without it a 16-bit shift
    /// right then left keeps bit <paramref name="bit"/> of either byte of a lane at bit 4 of the same byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> FifthBits512(Vector512<byte> bits, int bit) =>
        Gfni.V512.IsSupported
            ? Gfni.V512.GaloisFieldAffineTransform(bits, Vector512.Create(1UL << (24 + bit)).AsByte(), 0)
            : ((bits.AsUInt16() >>> bit) << 4).AsByte() & Vector512.Create((byte)0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBits256(Vector256<byte> bits, int bit) =>
        Gfni.V256.IsSupported
            ? Gfni.V256.GaloisFieldAffineTransform(bits, Vector256.Create(1UL << (24 + bit)).AsByte(), 0)
            : ((bits.AsUInt16() >>> bit) << 4).AsByte() & Vector256.Create((byte)0x10);
}
