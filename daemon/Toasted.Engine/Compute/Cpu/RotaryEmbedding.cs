namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Rotary position embedding. Angles are built as ggml builds them — θ starts at the position and
/// is multiplied by base^(−2/d) once per pair, in float, then divided by the pair's frequency factor
/// before the frequency scale applies — so positions agree with llama.cpp to the last bits rather
/// than only approximately.
/// </summary>
public static class RotaryEmbedding
{
    public static void Angles(int position, RopeParameters rope, Span<float> cos, Span<float> sin)
    {
        var pairs = rope.Dimensions / 2;
        var factors = rope.FrequencyFactors;
        if (factors is not null && factors.Length < pairs)
            throw new ArgumentException($"{factors.Length} frequency factors for {pairs} rotated pairs");
        var thetaScale = MathF.Pow(rope.Base, -2.0f / rope.Dimensions);
        float theta = position;
        for (int i = 0; i < pairs; i++)
        {
            // ggml divides by the pair's frequency factor before scaling, and scales the cosine
            // and sine (not the angle) by the attention factor.
            var angle = rope.FrequencyScale * (factors is null ? theta : theta / factors[i]);
            cos[i] = MathF.Cos(angle) * rope.AttentionFactor;
            sin[i] = MathF.Sin(angle) * rope.AttentionFactor;
            theta *= thetaScale;
        }
    }

    /// <summary>Rotates the first 2·cos.Length values of one head; the rest pass through.</summary>
    public static void Rotate(Span<float> head, RopeMode mode, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        var pairs = cos.Length;
        for (int i = 0; i < pairs; i++)
        {
            // Normal pairs neighbours; NeoX pairs the two halves of the rotated dimensions.
            int a = mode == RopeMode.Normal ? 2 * i : i;
            int b = mode == RopeMode.Normal ? 2 * i + 1 : i + pairs;
            var x0 = head[a];
            var x1 = head[b];
            head[a] = x0 * cos[i] - x1 * sin[i];
            head[b] = x0 * sin[i] + x1 * cos[i];
        }
    }
}
