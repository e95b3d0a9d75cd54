using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// How the codes of an interleaved scale-and-min K-quant column come out of its bytes: <see cref="Q4_KInterleaved"/>'s
/// nibbles, or <see cref="Q5_KInterleaved"/>'s nibbles with their fifth bits. Both keep Q4_K's headers and nibble
/// vectors; what a layout adds to them (its "extra" vectors) sits after the nibbles and is read once per column.
/// </summary>
internal unsafe interface IInterleavedScaleMinCodes
{
    static abstract long GroupBytes(int blocks);

    static abstract byte* Column(byte* group, int block, int blocks, out byte* header);

    /// <summary>The extra bits for 64-byte nibble vector <paramref name="t"/> of every chunk (zero where there are none).</summary>
    static abstract Vector512<byte> Extra512(byte* quants, int t);

    /// <summary>The codes of sub-block 2<paramref name="chunk"/> (low nibbles) from a nibble vector and its extra bits.</summary>
    static abstract Vector512<byte> Low512(Vector512<byte> packed, Vector512<byte> extra, int chunk);

    /// <summary>The codes of sub-block 2<paramref name="chunk"/> + 1 (high nibbles).</summary>
    static abstract Vector512<byte> High512(Vector512<byte> packed, Vector512<byte> extra, int chunk);

    /// <summary>The extra bits for 32-byte half-vector <paramref name="c"/> of every chunk.</summary>
    static abstract Vector256<byte> Extra256(byte* quants, int c);

    static abstract Vector256<byte> Low256(Vector256<byte> packed, Vector256<byte> extra, int chunk);

    static abstract Vector256<byte> High256(Vector256<byte> packed, Vector256<byte> extra, int chunk);

    /// <summary>
    /// How many <c>vpmaddubsw</c> pair sums per lane the 256-bit loop adds in 16 bits before widening: eight for codes
    /// up to 15 (8 · 2 · 15 · 128 = 30720), four for codes up to 31 (4 · 2 · 31 · 128 = 31744).
    /// </summary>
    static abstract int StepsPerWidening { get; }
}

/// <summary>
/// The <c>vpmaddubsw</c> loops of the interleaved Q4_K and Q5_K kernels (<see cref="Q4_KInterleavedKernels"/>,
/// <see cref="Q5_KInterleavedKernels"/>). Per super-block column: each code vector meets an activation pattern of the
/// digest (<see cref="Q4_KInterleavedKernels.FillPatternDigest"/>); a sub-block's pair sums add up as shorts and are
/// weighted by the eight rows' sub-block scales in one <c>vpmaddwd</c>; the mins meet the sub-block sums; then the
/// float steps <c>scaled = fma(isum, d · d8, scaled)</c> and <c>offsets = fma(−imins, dmin · d8, offsets)</c> per row,
/// at 512 bits in one 16-lane step (scaled terms in the lower half, offsets in the upper, as the header keeps the eight
/// d then the eight dmin). The ints are exact, so every path equals the layout's scalar twin to the bit.
/// </summary>
internal static unsafe class ScaleMinInterleavedLoops<TCodes> where TCodes : struct, IInterleavedScaleMinCodes
{
    private const int RowsPerGroup = Q4_KInterleaved.RowsPerGroup;
    private const int DigestBlockBytes = Q4_KInterleavedKernels.DigestBlockBytes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var scaleSpread = Q4_KInterleavedKernels.ScaleSpread512();
        long groupBytes = TCodes.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var terms = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = TCodes.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var e0 = TCodes.Extra512(quants, 0);
                var e1 = TCodes.Extra512(quants, 1);
                var e2 = TCodes.Extra512(quants, 2);
                var e3 = TCodes.Extra512(quants, 3);
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
                    var lowPairs = Avx512BW.MultiplyAddAdjacent(TCodes.Low512(w0, e0, k), Vector512.Load(low))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.Low512(w1, e1, k), Vector512.Load(low + 64))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.Low512(w2, e2, k), Vector512.Load(low + 128))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.Low512(w3, e3, k), Vector512.Load(low + 192));
                    var highPairs = Avx512BW.MultiplyAddAdjacent(TCodes.High512(w0, e0, k), Vector512.Load(high))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.High512(w1, e1, k), Vector512.Load(high + 64))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.High512(w2, e2, k), Vector512.Load(high + 128))
                        + Avx512BW.MultiplyAddAdjacent(TCodes.High512(w3, e3, k), Vector512.Load(high + 192));
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
    public static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var scaleSpread = Q4_KInterleavedKernels.ScaleSpread256();
        long groupBytes = TCodes.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var scaled = Vector256<float>.Zero;
            var offsets = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = TCodes.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector256<int>.Zero;
                for (int k = 0; k < 4; k++)
                {
                    byte* w = quants + 256 * k;
                    sbyte* low = (sbyte*)patterns + 512 * k;
                    sbyte* high = low + 256;
                    var lowScales = Q4_KInterleavedKernels.SubBlockScales256(header, 2 * k, scaleSpread);
                    var highScales = Q4_KInterleavedKernels.SubBlockScales256(header, 2 * k + 1, scaleSpread);
                    for (int first = 0; first < 8; first += TCodes.StepsPerWidening)
                    {
                        var lowPairs = Vector256<short>.Zero;
                        var highPairs = Vector256<short>.Zero;
                        for (int c = first; c < first + TCodes.StepsPerWidening; c++)
                        {
                            var packedBytes = Vector256.Load(w + 32 * c);
                            var extra = TCodes.Extra256(quants, c);
                            lowPairs += Avx2.MultiplyAddAdjacent(TCodes.Low256(packedBytes, extra, k), Vector256.Load(low + 32 * c));
                            highPairs += Avx2.MultiplyAddAdjacent(TCodes.High256(packedBytes, extra, k), Vector256.Load(high + 32 * c));
                        }
                        ints = Int8MultiplyAdd.ShortPairs(ints, lowPairs, lowScales);
                        ints = Int8MultiplyAdd.ShortPairs(ints, highPairs, highScales);
                    }
                }
                Q4_KInterleavedKernels.AddColumn(ref scaled, ref offsets, ints, Q4_KInterleavedKernels.MinsTimesSubBlockSums(header, patterns), header, activationScales[b]);
            }
            (scaled + offsets).Store(destination + (long)g * RowsPerGroup);
        }
    }
}
