using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Software prefetch for the decode kernels' weight streams. A decode step reads every weight byte once,
/// from memory; the hardware prefetchers stop at 4 KiB page boundaries (even inside a huge page), so each
/// new page of an interleaved group would start with demand misses that stall the multiply-adds. Asking
/// for the lines a fixed distance ahead keeps enough misses in flight to overlap the stream with the
/// arithmetic. Prefetch is a hint: it changes no result.
/// </summary>
internal static unsafe class WeightStreamPrefetch
{
    /// <summary>How far ahead of the kernel the lines are requested: a few microseconds of streaming.</summary>
    public const int Distance = 4096;

    /// <summary>
    /// The distance for the K-quant groups (Q4_K, Q6_K), which read two streams (quants and headers) and
    /// 1.2–1.7 KB per super-block column: 4 KiB is only two or three columns ahead of the kernel, too close
    /// to cover a memory access. 16 KiB measured best for them with one and two threads (see
    /// docs/benchmarks.md); for Q4_0 and Q8_0, whose columns are 144 and 272 bytes, it was no better.
    /// </summary>
    public const int SuperBlockDistance = 16384;

    /// <summary>
    /// Both streams of a K-quant group column, <see cref="SuperBlockDistance"/> ahead: the line-aligned quants
    /// and the header, which is not line-aligned and so may straddle two more lines than its length fills.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AheadOfSuperBlock(byte* quants, int quantBytes, byte* header, int headerBytes)
    {
        Ahead(quants, quantBytes / 64, SuperBlockDistance);
        Ahead(header, headerBytes / 64 + 2, SuperBlockDistance);
    }

    /// <summary>Requests the <paramref name="lines"/> 64-byte lines from <paramref name="address"/> + <paramref name="distance"/>.</summary>
    /// <remarks>Callers pass a constant distance, so the addition folds once this is inlined.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead(byte* address, int lines, int distance = Distance)
    {
        if (!Sse.IsSupported) return;
        byte* line = address + distance;
        for (int i = 0; i < lines; i++) Sse.Prefetch0(line + 64 * i);
    }
}
