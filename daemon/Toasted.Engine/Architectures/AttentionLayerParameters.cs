using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// What may differ between the layers of a model's attention, and between models beyond their
/// tensors: the rotation (Gemma 3's sliding layers have a base of their own), the window, and where
/// the 1/√d scale is applied.
/// </summary>
public sealed record AttentionLayerParameters(
    RopeParameters Rope,         // the rotation; with LongRoPE, the one for sessions within the original context
    AttentionParameters Scores,  // heads, score scale, sliding window
    float? QueryScale)           // multiplies Q after RoPE while the scores keep a scale of 1; or none
{
    /// <summary>LongRoPE's rotation for sessions longer than the original context (its long
    /// factors); absent when the model has one rotation only.</summary>
    public RopeParameters? LongContextRope { get; init; }

    /// <summary>
    /// Llama's order: 1/√headDim scales the scores inside the attention op (Llama, Qwen). The
    /// order matters for agreement with llama.cpp, because Q is rounded to F16 for the products.
    /// </summary>
    public static AttentionLayerParameters ScaledScores(TransformerHyperParameters hp, RopeParameters rope) =>
        new(rope, new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f / MathF.Sqrt(hp.HeadDim)), QueryScale: null);

    /// <summary>
    /// llama.cpp's order for Gemma 3 and Phi-3: Q is multiplied by <paramref name="queryScale"/> after
    /// RoPE and the scores are not scaled again. A <paramref name="slidingWindow"/> above 0 limits each
    /// position to that many most recent positions, itself included.
    /// </summary>
    public static AttentionLayerParameters ScaledQuery(TransformerHyperParameters hp, RopeParameters rope, float queryScale, int slidingWindow = 0) =>
        new(rope, new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f, slidingWindow), queryScale);
}
