namespace Toasted.Engine.Sampling;

/// <summary>
/// Picks the next token from logits with llama.cpp's default chain order: repetition penalty,
/// top-k, top-p, min-p, temperature, then a draw from the remaining distribution. Temperature ≤ 0
/// is greedy (argmax, lowest id on ties). One sampler per generation: it owns the random stream.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly RandomSource _random;
    private readonly List<Candidate> _candidates = new();

    public Sampler(SamplingOptions options)
    {
        _options = options;
        Seed = options.Seed ?? (ulong)Random.Shared.NextInt64();
        _random = new RandomSource(Seed);
    }

    /// <summary>The seed in use (drawn at random when none was given), so a run can be repeated.</summary>
    public ulong Seed { get; }

    private record struct Candidate(int Id, float Logit, float Probability);

    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        if (_options.Temperature <= 0 && (_options.RepeatPenalty == 1f || history.IsEmpty))
            return ArgMax(logits);

        _candidates.Clear();
        for (int i = 0; i < logits.Length; i++) _candidates.Add(new Candidate(i, logits[i], 0));
        ApplyRepetitionPenalty(history);
        if (_options.Temperature <= 0)
            return _candidates.MaxBy(c => (c.Logit, -c.Id)).Id;

        // Sorted by logit, descending; ties by id so the order is deterministic.
        _candidates.Sort((a, b) => a.Logit != b.Logit ? b.Logit.CompareTo(a.Logit) : a.Id.CompareTo(b.Id));
        if (_options.TopK > 0 && _options.TopK < _candidates.Count)
            _candidates.RemoveRange(_options.TopK, _candidates.Count - _options.TopK);
        Softmax(1f);
        if (_options.TopP < 1f) KeepTopP(_options.TopP);
        if (_options.MinP > 0f) KeepMinP(_options.MinP);
        Softmax(_options.Temperature);
        return Draw();
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    private void ApplyRepetitionPenalty(ReadOnlySpan<int> history)
    {
        var penalty = _options.RepeatPenalty;
        if (penalty == 1f || history.IsEmpty) return;
        var window = _options.RepeatLastN < 0 ? history : history[Math.Max(0, history.Length - _options.RepeatLastN)..];
        var seen = new HashSet<int>();
        foreach (var id in window)
        {
            if ((uint)id >= (uint)_candidates.Count || !seen.Add(id)) continue;
            var c = _candidates[id];
            // As llama.cpp: shrink positive logits, push negative ones further down.
            _candidates[id] = c with { Logit = c.Logit > 0 ? c.Logit / penalty : c.Logit * penalty };
        }
    }

    private void Softmax(float temperature)
    {
        var max = float.NegativeInfinity;
        foreach (var c in _candidates) max = Math.Max(max, c.Logit / temperature);
        double sum = 0;
        for (int i = 0; i < _candidates.Count; i++)
        {
            var p = MathF.Exp(_candidates[i].Logit / temperature - max);
            _candidates[i] = _candidates[i] with { Probability = p };
            sum += p;
        }
        for (int i = 0; i < _candidates.Count; i++)
            _candidates[i] = _candidates[i] with { Probability = (float)(_candidates[i].Probability / sum) };
    }

    private void KeepTopP(float p)
    {
        double cumulative = 0;
        for (int i = 0; i < _candidates.Count; i++)
        {
            cumulative += _candidates[i].Probability;
            if (cumulative >= p)
            {
                _candidates.RemoveRange(i + 1, _candidates.Count - i - 1);
                return;
            }
        }
    }

    private void KeepMinP(float minP)
    {
        var threshold = _candidates[0].Probability * minP;
        var keep = 1;
        while (keep < _candidates.Count && _candidates[keep].Probability >= threshold) keep++;
        _candidates.RemoveRange(keep, _candidates.Count - keep);
    }

    private int Draw()
    {
        var r = _random.NextDouble();
        double cumulative = 0;
        foreach (var c in _candidates)
        {
            cumulative += c.Probability;
            if (r < cumulative) return c.Id;
        }
        return _candidates[^1].Id;
    }
}
