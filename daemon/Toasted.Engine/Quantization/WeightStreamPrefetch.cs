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

    /// <summary>Requests the <paramref name="lines"/> 64-byte lines from <paramref name="address"/> + <see cref="Distance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead(byte* address, int lines)
    {
        if (!Sse.IsSupported) return;
        byte* line = address + Distance;
        for (int i = 0; i < lines; i++) Sse.Prefetch0(line + 64 * i);
    }
}
