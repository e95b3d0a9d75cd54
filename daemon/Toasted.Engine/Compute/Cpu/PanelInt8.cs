using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The multiply-adds of the panel kernels: unsigned weight codes (a panel vector) against four signed
/// activation bytes broadcast to every lane. VNNI does it in one exact instruction; without it,
/// vpmaddubsw + vpmaddwd is exact as long as the pair sums fit 16 bits, which holds for codes up to 63
/// (Q4_0, Q4_K, Q6_K) but not for Q8_0's codes up to 255, so Q8_0 needs VNNI for the panel path.
/// </summary>
internal static unsafe class PanelInt8
{
    public static bool IsSupported => Avx2.IsSupported;
    public static bool IsWideCodeSupported => AvxVnni.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Broadcast4(byte* activation) => Vector256.Create(*(int*)activation).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAdd(Vector256<int> accumulator, Vector256<byte> codes, Vector256<sbyte> activations)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, codes, activations);
        return accumulator + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(codes, activations), Vector256<short>.One);
    }

    /// <summary>accumulator + Σ pairs of 16-bit products (vpdpwssd / vpmaddwd), exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddPairs(Vector256<int> accumulator, Vector256<short> left, Vector256<short> right)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, left, right);
        return accumulator + Avx2.MultiplyAddAdjacent(left, right);
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
