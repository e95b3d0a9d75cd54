using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>accumulator + Σ pairs of 16-bit products (vpdpwssd / vpmaddwd), exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddPairs(Vector256<int> accumulator, Vector256<short> left, Vector256<short> right)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, left, right);
        return accumulator + Avx2.MultiplyAddAdjacent(left, right);
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
