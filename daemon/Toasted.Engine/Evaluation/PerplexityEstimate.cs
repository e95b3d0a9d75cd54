namespace Toasted.Engine.Evaluation;

/// <summary>
/// Running sums of per-token negative log-likelihoods, and the perplexity and its uncertainty as
/// llama-perplexity reports them: PPL = exp(mean NLL), and the standard error of the mean NLL
/// (sample variance over count − 1) carried to PPL by the derivative of exp, i.e. times PPL.
/// </summary>
public sealed class PerplexityEstimate
{
    private double _sum;
    private double _sumOfSquares;

    public int Count { get; private set; }

    public void Add(double negativeLogLikelihood)
    {
        _sum += negativeLogLikelihood;
        _sumOfSquares += negativeLogLikelihood * negativeLogLikelihood;
        Count++;
    }

    public double MeanNegativeLogLikelihood => Count == 0 ? double.NaN : _sum / Count;

    public double Perplexity => Math.Exp(MeanNegativeLogLikelihood);

    /// <summary>One standard error of <see cref="Perplexity"/>; null when the variance comes out
    /// zero or negative (fewer than two tokens, or rounding), which llama.cpp reports as an error.</summary>
    public double? Uncertainty
    {
        get
        {
            if (Count < 2) return null;
            var mean = _sum / Count;
            var variance = _sumOfSquares / Count - mean * mean;
            if (!(variance > 0)) return null;
            return Math.Sqrt(variance / (Count - 1)) * Math.Exp(mean);
        }
    }
}
