namespace Toasted.Engine.Inference;

/// <summary>
/// Watches generated text for stop strings. Text that could still turn into a stop string is held
/// back, so the caller never emits part of one; on a match the text before it is released and the
/// rest dropped.
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stops)
{
    private string _pending = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns what can be emitted now.</summary>
    public string Append(string text)
    {
        if (Stopped) return "";
        _pending += text;
        var cut = -1;
        foreach (var stop in stops)
        {
            if (stop.Length == 0) continue;
            var at = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            var before = _pending[..cut];
            _pending = "";
            return before;
        }
        var hold = LongestSuffixThatStartsAStop();
        var emit = _pending[..^hold];
        _pending = _pending[^hold..];
        return emit;
    }

    /// <summary>Releases whatever was held back (at the end of generation).</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _pending;
        _pending = "";
        return rest;
    }

    private int LongestSuffixThatStartsAStop()
    {
        var longest = 0;
        foreach (var stop in stops)
        {
            for (int length = Math.Min(stop.Length - 1, _pending.Length); length > longest; length--)
            {
                if (_pending.AsSpan(_pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
