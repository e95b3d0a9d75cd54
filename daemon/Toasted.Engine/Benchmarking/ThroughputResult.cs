namespace Toasted.Engine.Benchmarking;

/// <summary>Tokens per second of each repetition of a test, with llama-bench's summary statistics.</summary>
public sealed record ThroughputResult(ThroughputTest Test, int Threads, IReadOnlyList<double> SamplesNanoseconds)
{
    public IReadOnlyList<double> SamplesTokensPerSecond => SamplesNanoseconds.Select(ns => Test.Tokens * 1e9 / ns).ToArray();

    public double AverageTokensPerSecond => SamplesTokensPerSecond.Average();

    public double StandardDeviationTokensPerSecond => StandardDeviation(SamplesTokensPerSecond);

    public double AverageNanoseconds => SamplesNanoseconds.Average();

    public double StandardDeviationNanoseconds => StandardDeviation(SamplesNanoseconds);

    /// <summary>Sample standard deviation (n − 1), as llama-bench computes it.</summary>
    private static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count <= 1) return 0;
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
