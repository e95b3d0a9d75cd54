using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over IQ4_NL rows regrouped as <see cref="Q4_0Interleaved"/> regroups Q4_0's (the blocks have the same
/// bytes): sixteen rows per group, each activation operand a broadcast of four quants from a digest per block. The codes
/// select signed levels, split into two unsigned nibbles each (<see cref="Iq4NonLinearValues.HighNibbles512"/>,
/// level = 16 · H + L − 128) by one byte permute per nibble, so a block column's H and L products add up as shorts
/// (eight <c>vpmaddubsw</c> pair sums of at most 2 · 15 · 128 each, 30720), are widened by 16 and by 1 in one
/// <c>vpmaddwd</c> each, and lose the digest's bias 128 · Σ q8: exactly Σ level · q8 per row. The float steps are
/// <see cref="BlockColumnPairs"/>' (<c>acc = fma(isum, d_w · d_a, acc)</c>, as ggml's vector IQ4_NL dot does), those
/// of the layout's twin, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct IQ4_NLInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = BlockColumnPairs.DigestBlockBytes;
    private const int BiasIndex = BlockColumnPairs.BiasIndex;

    /// <summary>As the layout's twin with IQ4_NL's levels, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<IQ4_NLInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    /// <summary>The reference for <see cref="DotGroups"/>: <see cref="Q4_0Interleaved"/>'s twin reading codes as IQ4_NL's levels.</summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination, Iq4NonLinearValues.Levels);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    /// <summary>The bias 128 · Σ q8 is the −128 of the level split (<see cref="BlockColumnPairs.FillDigest"/>).</summary>
    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        BlockColumnPairs.FillDigest(activation, blocks, 128, withSums: false, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.Groups512<LevelSums512>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<LevelSumHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>
    /// At 512 bits: vector j's low nibbles meet quants 4j…4j+3, its high nibbles 16+4j…, every lane the same four; each
    /// nibble gives an H and an L vector by one lookup each.
    /// </summary>
    private readonly struct LevelSums512 : IBlockColumnInts512
    {
        public static int QuantColumnBytes => Q4_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Ints(byte* quants, byte* extras, int* q)
        {
            var highTable = Iq4NonLinearValues.HighNibbles512();
            var lowTable = Iq4NonLinearValues.LowNibbles512();
            // The four vectors side by side: the JIT does not unroll the loop, and one vector per iteration leaves the
            // multiplies waiting on each other.
            var (h0, l0) = Step(quants, q, 0, highTable, lowTable);
            var (h1, l1) = Step(quants, q, 1, highTable, lowTable);
            var (h2, l2) = Step(quants, q, 2, highTable, lowTable);
            var (h3, l3) = Step(quants, q, 3, highTable, lowTable);
            return Avx512BW.MultiplyAddAdjacent(h0 + h1 + h2 + h3, Vector512.Create((short)16))
                + Avx512BW.MultiplyAddAdjacent(l0 + l1 + l2 + l3, Vector512<short>.One) - Vector512.Create(q[BiasIndex]);
        }

        /// <summary>Vector <paramref name="j"/>'s H and L pair sums: low nibbles against quants 4j…, high nibbles against 16 + 4j….</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector512<short> Highs, Vector512<short> Lows) Step(byte* quants, int* q, int j, Vector512<byte> highTable, Vector512<byte> lowTable)
        {
            var w = Vector512.Load(quants + 64 * j);
            var shifted = (w.AsUInt16() >>> 4).AsByte();
            var first = Vector512.Create(q[j]).AsSByte();
            var second = Vector512.Create(q[4 + j]).AsSByte();
            return (Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(highTable, w), first)
                    + Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(highTable, shifted), second),
                Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(lowTable, w), first)
                    + Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(lowTable, shifted), second));
        }
    }

    /// <summary>At 256 bits, eight rows: low nibbles masked, high nibbles moved down, each looked up by <c>vpshufb</c>.</summary>
    private readonly struct LevelSumHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Q4_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var highTable = Iq4NonLinearValues.HighNibbles256();
            var lowTable = Iq4NonLinearValues.LowNibbles256();
            var highs = Vector256<short>.Zero;
            var lows = Vector256<short>.Zero;
            for (int j = 0; j < 4; j++)
            {
                var w = Vector256.Load(quants + 64 * j);
                var lowCodes = w & Vector256.Create((byte)0x0F);
                var highCodes = PackedNibbles.High256(w);
                var first = Vector256.Create(q[j]).AsSByte();
                var second = Vector256.Create(q[4 + j]).AsSByte();
                highs += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(highTable, lowCodes), first) + Avx2.MultiplyAddAdjacent(Avx2.Shuffle(highTable, highCodes), second);
                lows += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(lowTable, lowCodes), first) + Avx2.MultiplyAddAdjacent(Avx2.Shuffle(lowTable, highCodes), second);
            }
            return Avx2.MultiplyAddAdjacent(highs, Vector256.Create((short)16)) + Avx2.MultiplyAddAdjacent(lows, Vector256<short>.One)
                - Vector256.Create(q[BiasIndex]);
        }
    }
}
