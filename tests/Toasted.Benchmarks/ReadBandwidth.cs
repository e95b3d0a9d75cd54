using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Benchmarks;

/// <summary>
/// The machine's read-bandwidth ceiling: N threads stream through a buffer far larger than the
/// caches, summing it with the widest vectors available. Decode is memory-bound, so
/// bandwidth / bytes-read-per-token is the upper limit of decode tokens per second.
/// </summary>
public static unsafe class ReadBandwidth
{
    public static double MeasureGigabytesPerSecond(int threads, long bytes = 1L << 30, int repetitions = 5)
    {
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            // Touch every page so the measurement sees memory, not page faults.
            new Span<byte>(buffer, (int)Math.Min(bytes, int.MaxValue)).Fill(1);
            for (long offset = int.MaxValue; offset < bytes; offset += int.MaxValue)
                new Span<byte>(buffer + offset, (int)Math.Min(bytes - offset, int.MaxValue)).Fill(1);

            var best = 0.0;
            for (int r = 0; r < repetitions; r++)
            {
                var slice = bytes / threads / 64 * 64;
                var workers = new Thread[threads];
                var clock = Stopwatch.StartNew();
                for (int t = 0; t < threads; t++)
                {
                    var start = buffer + t * slice;
                    workers[t] = new Thread(() => Sum(start, slice));
                    workers[t].Start();
                }
                foreach (var w in workers) w.Join();
                best = Math.Max(best, slice * threads / clock.Elapsed.TotalSeconds / 1e9);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static long Sum(byte* start, long length)
    {
        // Four independent accumulators keep enough loads in flight to saturate the memory system.
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<long> a = default, b = default, c = default, d = default;
            for (long i = 0; i + 256 <= length; i += 256)
            {
                a += Vector512.Load((long*)(start + i));
                b += Vector512.Load((long*)(start + i + 64));
                c += Vector512.Load((long*)(start + i + 128));
                d += Vector512.Load((long*)(start + i + 192));
            }
            return Vector512.Sum(a + b + c + d);
        }
        Vector128<long> x = default, y = default, z = default, w = default;
        for (long i = 0; i + 64 <= length; i += 64)
        {
            x += Vector128.Load((long*)(start + i));
            y += Vector128.Load((long*)(start + i + 16));
            z += Vector128.Load((long*)(start + i + 32));
            w += Vector128.Load((long*)(start + i + 48));
        }
        return Vector128.Sum(x + y + z + w);
    }
}
