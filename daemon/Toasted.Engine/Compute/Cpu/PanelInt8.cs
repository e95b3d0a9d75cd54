using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The multiply-adds of the panel kernels: unsigned weight codes (a panel vector) against four signed
/// activation bytes broadcast to every lane. VNNI does it in one exact instruction; without it,
/// vpmaddubsw + vpmaddwd is exact as long as the pair sums fit 16 bits, which holds for codes up to 63
/// (Q4_0, Q4_K, Q6_K) but not for Q8_0's codes up to 255, which without VNNI take a sign-magnitude loop of
/// their own (<see cref="Block32PanelKernel"/>).
/// </summary>
internal static unsafe class PanelInt8
{
    public static bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Broadcast4(byte* activation) => Vector256.Create(*(int*)activation).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAdd(Vector256<int> accumulator, Vector256<byte> codes, Vector256<sbyte> activations)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, codes, activations);
        return accumulator + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(codes, activations), Vector256<short>.One);
    }

    /// <summary>
    /// The 16-bit pair sums of <paramref name="codes"/> × <paramref name="activations"/> (vpmaddubsw), for loops without
    /// VNNI that add several of them before widening: exact as long as every sum stays within 16 bits, which the
    /// caller's code range guarantees (see each caller).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> PairSums(Vector256<byte> codes, Vector256<sbyte> activations) => Avx2.MultiplyAddAdjacent(codes, activations);

    /// <summary>Each 32-bit lane's low 16 bits in both of its halves, so that one vpmaddwd multiplies both pair sums of a lane by it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> InBothHalves(Vector256<int> lanes) => ((lanes & Vector256.Create(0xFFFF)) | (lanes << 16)).AsInt16();

    /// <summary>Eight tokens' int vectors (lane = panel row), token t in T<i>t</i>.</summary>
    public readonly record struct TokenInts(
        Vector256<int> T0, Vector256<int> T1, Vector256<int> T2, Vector256<int> T3,
        Vector256<int> T4, Vector256<int> T5, Vector256<int> T6, Vector256<int> T7);

    /// <summary>
    /// Per token of a Q8_K tile block, Σ_k pair[k] · (bsums[2k], bsums[2k+1]) over <paramref name="pairCount"/> pairs: the
    /// panel's 16-bit pairs per row at <paramref name="pairs"/> (16 shorts per k) against each token's block-sum pairs at
    /// <paramref name="tokenSums"/> (32 bytes per k). Exact: pairwise 16-bit multiply-adds into 32 bits. The panel kernels'
    /// mins (Q4_K, Q5_K, Q2_K) and code offsets (Q6_K, Q3_K) are such terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TokenInts PairTerms(short* pairs, byte* tokenSums, int pairCount)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int k = 0; k < pairCount; k++, tokenSums += 32, pairs += 16)
        {
            var pair = Vector256.Load(pairs);
            c0 = Int8MultiplyAdd.ShortPairs(c0, pair, Vector256.Create(*(int*)tokenSums).AsInt16());
            c1 = Int8MultiplyAdd.ShortPairs(c1, pair, Vector256.Create(*(int*)(tokenSums + 4)).AsInt16());
            c2 = Int8MultiplyAdd.ShortPairs(c2, pair, Vector256.Create(*(int*)(tokenSums + 8)).AsInt16());
            c3 = Int8MultiplyAdd.ShortPairs(c3, pair, Vector256.Create(*(int*)(tokenSums + 12)).AsInt16());
            c4 = Int8MultiplyAdd.ShortPairs(c4, pair, Vector256.Create(*(int*)(tokenSums + 16)).AsInt16());
            c5 = Int8MultiplyAdd.ShortPairs(c5, pair, Vector256.Create(*(int*)(tokenSums + 20)).AsInt16());
            c6 = Int8MultiplyAdd.ShortPairs(c6, pair, Vector256.Create(*(int*)(tokenSums + 24)).AsInt16());
            c7 = Int8MultiplyAdd.ShortPairs(c7, pair, Vector256.Create(*(int*)(tokenSums + 28)).AsInt16());
        }
        return new(c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>
    /// Stores the results of one tile of eight tokens (one vector per token, lane = panel row): the first
    /// <paramref name="tokens"/> of them (padding tokens past the chunk are dropped), lanes 0..rows−1 each.
    /// </summary>
    public static void StoreTile(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3,
        Vector256<float> f4, Vector256<float> f5, Vector256<float> f6, Vector256<float> f7,
        int tokens, float* destination, int destinationStride, int rows)
    {
        Store(f0, destination, rows);
        if (tokens > 1) Store(f1, destination + destinationStride, rows);
        if (tokens > 2) Store(f2, destination + 2L * destinationStride, rows);
        if (tokens > 3) Store(f3, destination + 3L * destinationStride, rows);
        if (tokens > 4) Store(f4, destination + 4L * destinationStride, rows);
        if (tokens > 5) Store(f5, destination + 5L * destinationStride, rows);
        if (tokens > 6) Store(f6, destination + 6L * destinationStride, rows);
        if (tokens > 7) Store(f7, destination + 7L * destinationStride, rows);
    }

    /// <summary>Stores lanes 0..rows−1 of a result vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* destination, int rows)
    {
        if (rows == WeightPanel.Rows)
        {
            value.Store(destination);
            return;
        }
        for (int r = 0; r < rows; r++) destination[r] = value.GetElement(r);
    }
}
