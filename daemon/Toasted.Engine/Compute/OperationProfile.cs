using System.Diagnostics;

namespace Toasted.Engine.Compute;

/// <summary>
/// Wall time per kind of op, gathered by <see cref="ProfilingComputeStep"/>. Meaningful for backends
/// that execute ops as they are recorded (the CPU backend); a GPU backend would time its command
/// buffer instead.
/// </summary>
public sealed class OperationProfile
{
    private readonly Dictionary<string, (long Ticks, long Calls)> _totals = new(StringComparer.Ordinal);

    public void Add(string operation, long ticks)
    {
        lock (_totals)
        {
            _totals.TryGetValue(operation, out var t);
            _totals[operation] = (t.Ticks + ticks, t.Calls + 1);
        }
    }

    public void Clear()
    {
        lock (_totals) _totals.Clear();
    }

    /// <summary>One line per op, most expensive first: total milliseconds, share, calls.</summary>
    public IEnumerable<string> Summary()
    {
        lock (_totals)
        {
            var all = _totals.Values.Sum(v => v.Ticks);
            return _totals.OrderByDescending(kv => kv.Value.Ticks)
                .Select(kv => $"{kv.Key,-12} {kv.Value.Ticks * 1000.0 / Stopwatch.Frequency,10:F1} ms {100.0 * kv.Value.Ticks / Math.Max(1, all),5:F1} % {kv.Value.Calls,8} calls")
                .ToArray();
        }
    }
}
