namespace Toasted.Engine.Evaluation;

/// <summary>
/// The negative log-likelihood of one token under one row of logits, computed in the precision
/// llama.cpp's perplexity uses so the figures agree to the printed digit: the exponentials are
/// float, their sum and the logarithm double.
/// </summary>
public static class TokenLogLikelihood
{
    public static double Negative(ReadOnlySpan<float> logits, int token)
    {
        if ((uint)token >= (uint)logits.Length)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the {logits.Length} logits");
        var max = logits[0];
        for (int i = 1; i < logits.Length; i++) max = MathF.Max(max, logits[i]);
        // Subtracting the maximum keeps every exponential at most 1, so the sum cannot overflow.
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += MathF.Exp(logits[i] - max);
        // The difference is taken in float before widening, as llama.cpp does.
        float shifted = logits[token] - max;
        return Math.Log(sum) - shifted;
    }
}
