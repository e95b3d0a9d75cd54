using System.Diagnostics;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Inference;

namespace Toasted.Benchmarks;

/// <summary>
/// What share of the machine's read rate decode reaches, measured so that a shared machine's swings fall
/// on both sides alike: one process alternates a decode step with a plain read of the same number of
/// bytes, on the same threads of the same pool, step after step, and compares each step with the read
/// next to it. A compare run measures the read rate for a second on either side of a run of several
/// seconds; on a machine whose bandwidth moves by half within a second (31–56 GB/s in consecutive
/// seconds on a cloud VM) the two then saw different machines. Paired at the scale of one token
/// (tens of milliseconds), each ratio compares like with like, and their median is the share.
/// </summary>
public static unsafe class DecodeShare
{
    /// <summary>How long the decode loop runs before the pairs are timed, so the runtime has compiled its hot methods.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static void Run(string path, int threads, int tokens, int depth, TextWriter output)
    {
        var traffic = DecodeTraffic.Of(path);
        using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = threads });
        var pool = ((CpuBackend)model.Backend).Pool;
        var maxBytes = (long)traffic.BytesPerToken(depth + tokens, 1) + (1 << 20);
        var buffer = LargePageMemory.AllocateZeroed(maxBytes);
        try
        {
            using var session = model.CreateSession(depth + tokens + 2);
            var token = model.Architecture.HyperParameters.VocabSize / 2;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < WarmUp)
            {
                session.Truncate(0);
                session.Evaluate([token], allLogits: false);
                ReadPass(pool, buffer, maxBytes);
            }
            session.Truncate(0);
            if (depth > 0) session.Evaluate(Enumerable.Repeat(token, depth).ToArray(), allLogits: false);

            var decodeRates = new double[tokens];
            var readRates = new double[tokens];
            var shares = new double[tokens];
            for (int i = 0; i < tokens; i++)
            {
                // Token i attends to depth + i + 1 positions; the read covers as many bytes.
                var bytes = traffic.WeightBytes + traffic.KvBytesPerPosition * (depth + i + 1);
                // Alternate which comes first, so neither always follows the other's idle spin.
                double decodeSeconds, readSeconds;
                if (i % 2 == 0)
                {
                    decodeSeconds = Time(() => session.Evaluate([token], allLogits: false));
                    readSeconds = Time(() => ReadPass(pool, buffer, bytes));
                }
                else
                {
                    readSeconds = Time(() => ReadPass(pool, buffer, bytes));
                    decodeSeconds = Time(() => session.Evaluate([token], allLogits: false));
                }
                decodeRates[i] = bytes / decodeSeconds / 1e9;
                readRates[i] = bytes / readSeconds / 1e9;
                shares[i] = readSeconds / decodeSeconds;
            }
            output.WriteLine($"{Path.GetFileName(path)}, {threads} threads, {tokens} tokens after {depth}: " +
                $"decode {Median(decodeRates):F1} GB/s, plain read {Median(readRates):F1} GB/s (medians); " +
                $"decode / read next to it: median {100 * Median(shares):F0} %, quartiles {100 * Quantile(shares, 0.25):F0}–{100 * Quantile(shares, 0.75):F0} %");
        }
        finally
        {
            LargePageMemory.Free(buffer);
        }
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Reads <paramref name="bytes"/> once, split evenly across the pool, as the read benchmark does.</summary>
    private static void ReadPass(WorkerPool pool, byte* buffer, long bytes)
    {
        var slice = bytes / pool.Threads / 256 * 256;
        pool.For(pool.Threads, t => ReadBandwidth.Sum(buffer + t * slice, slice));
    }

    private static double Median(double[] values) => Quantile(values, 0.5);

    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var at = q * (sorted.Length - 1);
        var low = (int)Math.Floor(at);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
    }
}
