namespace Toasted.Engine.Compute.Cpu;

/// <summary>The router's arithmetic: softmax over experts and the top-k choice, as ggml computes them.</summary>
public static class ExpertRouting
{
    /// <summary>probabilities = softmax(logits): exponentials in float, their sum in double, one scale.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var max = float.NegativeInfinity;
        foreach (var value in logits) max = Math.Max(max, value);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
            sum += probabilities[i];
        }
        var scale = (float)(1.0 / sum);
        for (int i = 0; i < logits.Length; i++) probabilities[i] *= scale;
    }

    /// <summary>The indices of the chosen.Length largest values, largest first; the lower index wins a tie.</summary>
    public static void TopK(ReadOnlySpan<float> values, Span<int> chosen)
    {
        for (int j = 0; j < chosen.Length; j++)
        {
            var best = -1;
            for (int i = 0; i < values.Length; i++)
            {
                if (chosen[..j].Contains(i)) continue;
                if (best < 0 || values[i] > values[best]) best = i;
            }
            chosen[j] = best;
        }
    }
}
