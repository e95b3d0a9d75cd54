using System.Diagnostics;
using System.Runtime.InteropServices;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;

namespace Toasted.Benchmarks;

/// <summary>
/// Matrix × vector throughput of one weight type: a weight matrix far larger than the caches
/// (random bytes with finite scales), multiplied by one quantized activation row, as GB of weights read per
/// second. Compared with <see cref="ReadBandwidth"/> on the same thread count it shows how close the kernel
/// runs to the memory ceiling. Reports the multi-row kernel, the one-row dot and the
/// kernel over interleaved rows (Q4_0 sixteen at a time; Q8_0, Q4_K, Q6_K eight). With several threads each takes
/// one contiguous share of the rows, as decode's static partition does. The weights live in huge pages, as
/// decode's weight copies do: with small pages the page walks and the hardware prefetchers' stops at every
/// page measure another stream than decode's.
/// </summary>
public static unsafe class MatVecThroughput
{
    private delegate void RegroupRows(byte* rows, long rowBytes, int blocks, byte* destination);
    private delegate void GroupDots(byte* packed, int groups, int blocks, byte* activation, float* destination);

    public static void Run(GgmlType type, int columns = 2048, long bytes = 512L << 20, int repetitions = 7, int threads = 1)
    {
        var traits = QuantTraitsTable.Get(type);
        long rowBytes = traits.RowBytes(columns);
        int rows = (int)(bytes / rowBytes) / 256 * 256;
        var data = LargePageMemory.Allocate(rows * rowBytes);
        try
        {
            var rng = new Random(1);
            var template = new byte[256 * rowBytes];
            var row = new Span<byte>(data, (int)rowBytes);
            for (int r = 0; r < 256; r++)
                RowTemplate(type, columns, rng).CopyTo(template.AsSpan((int)(r * rowBytes)));
            for (long r = 0; r < rows; r += 256)
                template.CopyTo(new Span<byte>(data + r * rowBytes, template.Length));
            var x = new float[columns];
            for (int i = 0; i < columns; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            var activation = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, columns)];
            ActivationQuantizer.Quantize(traits.ActivationType, x, activation);
            var destinations = new float[threads][];
            for (int t = 0; t < threads; t++) destinations[t] = new float[256];

            // The three measurements are interleaved and each keeps its best run, so a machine shared with
            // other work affects them alike; CPU time is reported too, as it ignores time the thread was not running.
            var chunks = new (string Name, Action<long, int> Chunk, double Best, double BestCpu)[]
            {
                ("read", (r, _) => PlainRead(data + r * rowBytes, 256 * rowBytes), 0, 0),
                ("multi-row", (r, t) => traits.DotRows(new ReadOnlySpan<byte>(data + r * rowBytes, (int)(256 * rowBytes)), 256, activation, columns, destinations[t]), 0, 0),
                ("one-row", (r, t) =>
                {
                    for (int k = 0; k < 256; k++)
                        destinations[t][k] = traits.Dot(new ReadOnlySpan<byte>(data + (r + k) * rowBytes, (int)rowBytes), activation, columns);
                }, 0, 0),
            };
            // The same rows regrouped for decode into a copy, as at load (Q4_0 and Q8_0 sixteen at a time, the K-quants
            // eight; Q4_0's and the K-quants' groups are padded to 64-byte lines and Q4_K's unpack its scales). GB/s
            // counts the file bytes throughout.
            // The kernels take pointers, so the activation and results live in native memory for the run.
            var pinnedActivation = (byte*)NativeMemory.AlignedAlloc((nuint)activation.Length, 64);
            var pinnedDestination = (float*)NativeMemory.AlignedAlloc((nuint)(256 * threads * sizeof(float)), 64);
            activation.CopyTo(new Span<byte>(pinnedActivation, activation.Length));
            byte* regrouped = null;
            var copied = type switch
            {
                GgmlType.Q4_0 when Q4_0InterleavedKernels.IsSupported => (Q4_0Interleaved.RowsPerGroup, Q4_0Interleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q4_0Interleaved.Repack, Dot: (GroupDots)Q4_0InterleavedKernels.DotGroups)),
                GgmlType.IQ4_NL when IQ4_NLInterleavedKernels.IsSupported => (Q4_0Interleaved.RowsPerGroup, Q4_0Interleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q4_0Interleaved.Repack, Dot: (GroupDots)IQ4_NLInterleavedKernels.DotGroups)),
                GgmlType.Q4_1 when Block32ExtrasInterleavedKernels<Q4_1Extras>.IsSupported => (Block32ExtrasInterleaved.RowsPerGroup,
                    Block32ExtrasInterleaved.GroupBytes<Q4_1Extras>(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Block32ExtrasInterleaved.Repack<Q4_1Extras>, Dot: (GroupDots)Block32ExtrasInterleavedKernels<Q4_1Extras>.DotGroups)),
                GgmlType.Q5_0 when Block32ExtrasInterleavedKernels<Q5_0Extras>.IsSupported => (Block32ExtrasInterleaved.RowsPerGroup,
                    Block32ExtrasInterleaved.GroupBytes<Q5_0Extras>(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Block32ExtrasInterleaved.Repack<Q5_0Extras>, Dot: (GroupDots)Block32ExtrasInterleavedKernels<Q5_0Extras>.DotGroups)),
                GgmlType.Q5_1 when Block32ExtrasInterleavedKernels<Q5_1Extras>.IsSupported => (Block32ExtrasInterleaved.RowsPerGroup,
                    Block32ExtrasInterleaved.GroupBytes<Q5_1Extras>(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Block32ExtrasInterleaved.Repack<Q5_1Extras>, Dot: (GroupDots)Block32ExtrasInterleavedKernels<Q5_1Extras>.DotGroups)),
                GgmlType.Q8_0 when Q8_0InterleavedKernels.IsSupported => (Q8_0Interleaved.RowsPerGroup, Q8_0Interleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q8_0Interleaved.Repack, Dot: (GroupDots)Q8_0InterleavedKernels.DotGroups)),
                GgmlType.Q4_K when Q4_KInterleavedKernels.IsSupported => (Q4_KInterleaved.RowsPerGroup, Q4_KInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q4_KInterleaved.Repack, Dot: (GroupDots)Q4_KInterleavedKernels.DotGroups)),
                GgmlType.Q5_K when Q5_KInterleavedKernels.IsSupported => (Q5_KInterleaved.RowsPerGroup, Q5_KInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q5_KInterleaved.Repack, Dot: (GroupDots)Q5_KInterleavedKernels.DotGroups)),
                GgmlType.Q6_K when Q6_KInterleavedKernels.IsSupported => (Q6_KInterleaved.RowsPerGroup, Q6_KInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q6_KInterleaved.Repack, Dot: (GroupDots)Q6_KInterleavedKernels.DotGroups)),
                GgmlType.Q2_K when Q2_KInterleavedKernels.IsSupported => (Q2_KInterleaved.RowsPerGroup, Q2_KInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q2_KInterleaved.Repack, Dot: (GroupDots)Q2_KInterleavedKernels.DotGroups)),
                GgmlType.Q3_K when Q3_KInterleavedKernels.IsSupported => (Q3_KInterleaved.RowsPerGroup, Q3_KInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)Q3_KInterleaved.Repack, Dot: (GroupDots)Q3_KInterleavedKernels.DotGroups)),
                GgmlType.IQ4_XS when IQ4_XSInterleavedKernels.IsSupported => (IQ4_XSInterleaved.RowsPerGroup, IQ4_XSInterleaved.GroupBytes(columns / traits.BlockSize),
                    (Repack: (RegroupRows)IQ4_XSInterleaved.Repack, Dot: (GroupDots)IQ4_XSInterleavedKernels.DotGroups)),
                _ => ((int RowsPerGroup, long GroupBytes, (RegroupRows Repack, GroupDots Dot) Kernel)?)null,
            };
            if (copied is var (rowsPerGroup, groupBytes, (repack, dot)))
            {
                int blocks = columns / traits.BlockSize;
                regrouped = LargePageMemory.Allocate(rows / rowsPerGroup * groupBytes);
                for (long g = 0; g < rows / rowsPerGroup; g++)
                    repack(data + g * rowsPerGroup * rowBytes, rowBytes, blocks, regrouped + g * groupBytes);
                chunks = [.. chunks, ("interleaved", (r, t) =>
                    dot(regrouped + r / rowsPerGroup * groupBytes, 256 / rowsPerGroup, blocks, pinnedActivation, pinnedDestination + 256 * t), 0, 0)];
            }
            // MATVEC_ONLY=interleaved (or multi-row, one-row) measures that kernel alone beside the read: the per-row
            // kernels stream at a few GB/s and take most of a run's time.
            if (Environment.GetEnvironmentVariable("MATVEC_ONLY") is { Length: > 0 } only)
                chunks = chunks.Where(c => c.Name == "read" || c.Name == only).ToArray();
            for (int rep = 0; rep < repetitions; rep++)
            {
                for (int m = 0; m < chunks.Length; m++)
                {
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    RunShares(chunks[m].Chunk, rows, threads);
                    var wall = clock.Elapsed.TotalSeconds;
                    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                    chunks[m].Best = Math.Max(chunks[m].Best, Passes * rows * rowBytes / wall / 1e9);
                    chunks[m].BestCpu = Math.Max(chunks[m].BestCpu, Passes * rows * rowBytes / Math.Max(cpuSeconds, 1e-3) / 1e9);
                }
            }
            Console.WriteLine($"{type,-5} {columns} columns, {rows} rows, {threads} thread{(threads == 1 ? "" : "s")}, {rows * rowBytes / 1e6:F0} MB, GB/s wall (per CPU second): " +
                string.Join(", ", chunks.Select(c => $"{c.Name} {c.Best:F1} ({c.BestCpu:F1})")) +
                $"; {chunks[^1].Name} / read {chunks[^1].Best / chunks[0].Best:P0}");
            NativeMemory.AlignedFree(pinnedActivation);
            NativeMemory.AlignedFree(pinnedDestination);
            if (regrouped != null) LargePageMemory.Free(regrouped);
        }
        finally
        {
            LargePageMemory.Free(data);
        }
    }

    /// <summary>
    /// MATVEC_PASSES: how many times each thread runs over its share per timed repetition (default 1). With a few
    /// threads and weights that fit the caches, many passes keep the thread starts out of the time.
    /// </summary>
    private static readonly int Passes = int.TryParse(Environment.GetEnvironmentVariable("MATVEC_PASSES"), out var passes) && passes > 0 ? passes : 1;

    /// <summary>Runs <paramref name="chunk"/> over every 256-row chunk, each of <paramref name="threads"/> threads
    /// taking one contiguous share of the chunks, <see cref="Passes"/> times.</summary>
    private static void RunShares(Action<long, int> chunk, int rows, int threads)
    {
        var chunks = rows / 256;
        void Share(int t)
        {
            for (int pass = 0; pass < Passes; pass++)
            for (long c = (long)chunks * t / threads; c < (long)chunks * (t + 1) / threads; c++) chunk(c * 256, t);
        }
        if (threads == 1)
        {
            Share(0);
            return;
        }
        var workers = new Thread[threads - 1];
        for (int t = 1; t < threads; t++)
        {
            var share = t;
            workers[t - 1] = new Thread(() => Share(share));
            workers[t - 1].Start();
        }
        Share(0);
        foreach (var w in workers) w.Join();
    }

    private static long PlainRead(byte* start, long length)
    {
        System.Runtime.Intrinsics.Vector512<long> a = default, b = default, c = default, d = default;
        long i = 0;
        for (; i + 256 <= length; i += 256)
        {
            a += System.Runtime.Intrinsics.Vector512.Load((long*)(start + i));
            b += System.Runtime.Intrinsics.Vector512.Load((long*)(start + i + 64));
            c += System.Runtime.Intrinsics.Vector512.Load((long*)(start + i + 128));
            d += System.Runtime.Intrinsics.Vector512.Load((long*)(start + i + 192));
        }
        return System.Runtime.Intrinsics.Vector512.Sum(a + b + c + d) + i;
    }

    /// <summary>Random blocks whose f16 / f32 scales are small finite numbers.</summary>
    private static byte[] RowTemplate(GgmlType type, int columns, Random rng)
    {
        var traits = QuantTraitsTable.Get(type);
        var values = new float[columns];
        for (int i = 0; i < columns; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        if (traits.BlockSize == 1)
        {
            var bytes = new byte[traits.RowBytes(columns)];
            for (int i = 0; i < columns; i++)
            {
                if (type == GgmlType.F32) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), values[i]);
                else if (type == GgmlType.F16) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)values[i]));
                else BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            }
            return bytes;
        }
        var row = new byte[traits.RowBytes(columns)];
        rng.NextBytes(row);
        var scaleOffsets = type switch { GgmlType.Q4_K => new[] { 0, 2 }, GgmlType.Q6_K => new[] { 208 }, _ => new[] { 0 } };
        for (int b = 0; b < columns / traits.BlockSize; b++)
            foreach (var o in scaleOffsets)
                BitConverter.TryWriteBytes(row.AsSpan(b * traits.BytesPerBlock + o), BitConverter.HalfToUInt16Bits((Half)0.01f));
        return row;
    }
}
