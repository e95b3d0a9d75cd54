using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Software prefetch for the decode kernels' weight streams. A decode step reads every weight byte once,
/// from memory; the hardware prefetchers stop at 4 KiB page boundaries (even inside a huge page), so each
/// new page of an interleaved group would start with demand misses that stall the multiply-adds. Asking
/// for the lines a fixed distance ahead keeps enough misses in flight to overlap the stream with the
/// arithmetic. How many of the lines to ask for is the kernel's own measurement: every line for the K-quants,
/// one per column pair for Q4_0 and Q8_0, whose single streams the hardware otherwise follows (see
/// <see cref="BlockPairDistance"/>). Prefetch is a hint: it changes no result.
/// <para>
/// The lines are asked for into the second-level cache (<c>prefetcht1</c>), not the first: a first-level
/// prefetch holds one of the core's few first-level miss buffers until its line arrives, so a kernel whose
/// arithmetic is not much faster than the memory stalls on its own prefetches and the two add up instead of
/// overlapping. On a Zen 4 core without AVX-VNNI one thread streamed Q4_0 at 11.6 GB/s with <c>prefetcht0</c>
/// and 15.5 with <c>prefetcht1</c>, Q4_K at 10.9 and 22–26 (plain reading: 22–24); the kernels read the lines
/// from the second-level cache a few hundred cycles later, which the out-of-order core hides.
/// </para>
/// </summary>
internal static unsafe class WeightStreamPrefetch
{
    /// <summary>
    /// The distance for the sixteen-row Q4_0 and Q8_0 groups (<see cref="BlockColumnPairs"/>): one page. Such a
    /// group is one stream of line-aligned column pairs, and that stream the hardware prefetchers follow well
    /// inside huge pages: the Q4_0 loads alone, without software prefetch, read 95 % as fast as a plain read, and
    /// asking for every line ahead took the kernel down to 72 % of it (one thread), the requests competing with
    /// the stream they duplicate. What the hardware misses is the start of each next 4 KiB page, so the kernels
    /// ask for one line per column pair a page ahead. Q4_0: 87–92 % of the read on one thread, and whole-model
    /// decode with two threads 93 % of a slow read and 85 % of a fast one against 85 % and 62–65 % with all nine
    /// lines 8 KiB ahead. Q8_0: one thread 27.1–27.5 GB/s against 27.6 without software prefetch and 20.9 asking
    /// for every line (a plain read beside each: 29–31 GB/s); 2 KiB, 8 KiB or two lines measured within a point of
    /// it (see docs/benchmarks.md). The K-quant kernels measured the other way (see <see cref="SuperBlockDistance"/>).
    /// </summary>
    public const int BlockPairDistance = 4096;

    /// <summary>
    /// One line of a Q4_0 or Q8_0 column pair's stream, <see cref="BlockPairDistance"/> ahead: about every ninth
    /// (Q4_0, 576-byte pairs) or seventeenth (Q8_0, 1088-byte pairs) line of the next page.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AheadOfBlockColumnPair(byte* pair) => Ahead(pair, 1, BlockPairDistance);

    /// <summary>
    /// The distance for the K-quant groups (Q4_K, Q6_K), and for the four row streams of <see cref="SuperBlockRowsKernels{TBlock}"/>
    /// (Q5_K from memory with two threads: 10–11 GB/s without, 24–25 with): 16 KiB, about seven to fourteen super-block columns ahead.
    /// Their groups are one stream of column pairs too (<see cref="SuperBlockColumnPairs"/>), but unlike Q4_0's and
    /// Q8_0's the hardware prefetchers do not keep up with it: one thread from memory streamed Q4_K at 13.0 GB/s
    /// without software prefetch and 12.6–13.3 asking for one or two lines a page ahead, against 27.5–29.4 asking for
    /// every line 8, 16 or 32 KiB ahead (Q6_K 12.9, 17.0–18.2 and 23.8–29.3; a plain read beside each: 31–33 GB/s;
    /// see docs/benchmarks.md).
    /// </summary>
    public const int SuperBlockDistance = 16384;

    /// <summary>
    /// Every line of the stream from <paramref name="start"/> to <paramref name="end"/>, <see cref="SuperBlockDistance"/>
    /// ahead: a pair's first column asks for the header slot and its quants, the second for its quants.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AheadOfSuperBlockColumn(byte* start, byte* end) => Ahead(start, (int)((end - start + 63) >> 6), SuperBlockDistance);

    /// <summary>Requests the <paramref name="lines"/> 64-byte lines from <paramref name="address"/> + <paramref name="distance"/>.</summary>
    /// <remarks>Callers pass a constant distance, so the addition folds once this is inlined.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead(byte* address, int lines, int distance)
    {
        if (!Sse.IsSupported) return;
        byte* line = address + distance;
        for (int i = 0; i < lines; i++) Sse.Prefetch1(line + 64 * i);
    }
}
