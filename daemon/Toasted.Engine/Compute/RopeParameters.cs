namespace Toasted.Engine.Compute;

/// <summary>How rotary position embedding pairs up dimensions.</summary>
public enum RopeMode
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): original Llama.</summary>
    Normal,
    /// <summary>Halves (x[i], x[i + d/2]): GPT-NeoX, Qwen, Gemma, Phi-3.</summary>
    NeoX,
}

/// <summary>
/// Rotary embedding of the first <see cref="Dimensions"/> values of each head: angle
/// position × FrequencyScale × Base^(-2i/Dimensions) / FrequencyFactors[i] for pair i, and the
/// rotation's cosine and sine multiplied by <see cref="AttentionFactor"/>. The per-pair factors
/// (Dimensions/2 of them) are Llama 3.1's <c>rope_freqs</c> or Phi-3's LongRoPE factors, and the
/// attention factor is LongRoPE's; without them both are 1.
/// </summary>
public sealed record RopeParameters(
    RopeMode Mode,
    int Dimensions,
    float Base,
    float FrequencyScale = 1f,
    float[]? FrequencyFactors = null,
    float AttentionFactor = 1f);
