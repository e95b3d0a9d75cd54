using System.Diagnostics;
using System.Runtime.Intrinsics;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Benchmarks;

/// <summary>
/// The machine's read-bandwidth ceiling: N threads stream through a buffer far larger than the
/// caches, summing it with the widest vectors available. Decode is memory-bound, so
/// bandwidth / bytes-read-per-token is the upper limit of decode tokens per second. The buffer is
/// allocated and touched once and lives in huge pages, as the decode kernels' weight copies do, so a
/// measurement sees neither page faults nor page walks the decode stream does not pay; a compare run
/// keeps one instance and measures around every decode test.
/// </summary>
public sealed unsafe class ReadBandwidth : IDisposable
{
    private readonly int _threads;
    private readonly long _bytes;
    private byte* _buffer;

    public ReadBandwidth(int threads, long bytes = 1L << 30)
    {
        _threads = Math.Max(1, threads);
        _bytes = bytes;
        _buffer = LargePageMemory.Allocate(bytes);
        // Touch every page so the measurement sees memory, not page faults.
        for (long offset = 0; offset < bytes; offset += int.MaxValue)
            new Span<byte>(_buffer + offset, (int)Math.Min(bytes - offset, int.MaxValue)).Fill(1);
    }

    public static ReadRate MeasureGigabytesPerSecond(int threads, long bytes = 1L << 30, int repetitions = 5)
    {
        using var reader = new ReadBandwidth(threads);
        return reader.Measure(repetitions);
    }

    /// <summary>
    /// Passes over the buffer, at least <paramref name="repetitions"/> and as many more as fit in
    /// <paramref name="span"/> (default one second): the fastest pass's GB/s and the mean rate of them all.
    /// A pass takes tens of milliseconds and a shared machine's bandwidth swings within a second (over six
    /// seconds of passes on the 2-vCPU VM: best 48–52, median 38–41, mean 37–38, worst 16–17 GB/s), so
    /// the fastest pass is what the memory can do at its best moment, and the mean what it sustained.
    /// </summary>
    public ReadRate Measure(int repetitions = 3, TimeSpan? span = null)
    {
        var best = 0.0;
        var slice = _bytes / _threads / 64 * 64;
        var limit = span ?? TimeSpan.FromSeconds(1);
        var elapsed = Stopwatch.StartNew();
        var passes = 0;
        var passSeconds = 0.0;
        for (; passes < repetitions || elapsed.Elapsed < limit; passes++)
        {
            var workers = new Thread[_threads];
            var clock = Stopwatch.StartNew();
            for (int t = 0; t < _threads; t++)
            {
                var start = _buffer + t * slice;
                workers[t] = new Thread(() => Sum(start, slice));
                workers[t].Start();
            }
            foreach (var w in workers) w.Join();
            var seconds = clock.Elapsed.TotalSeconds;
            passSeconds += seconds;
            best = Math.Max(best, slice * _threads / seconds / 1e9);
        }
        return new ReadRate(best, slice * _threads * (double)passes / passSeconds / 1e9);
    }

    public void Dispose()
    {
        if (_buffer == null) return;
        LargePageMemory.Free(_buffer);
        _buffer = null;
    }

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="start"/> once; the sum only keeps the loads alive.</summary>
    internal static long Sum(byte* start, long length)
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

/// <summary>A read-bandwidth measurement in GB/s: the fastest pass and the mean rate over all passes.</summary>
public readonly record struct ReadRate(double Best, double Mean);
