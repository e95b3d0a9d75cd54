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
/// position × FrequencyScale × Base^(-2i/Dimensions) / FrequencyFactors[i] for pair i.
/// <see cref="FrequencyFactors"/> (F32, Dimensions/2 values) is the <c>rope_freqs</c> tensor of
/// Llama 3.1-style scaling; without it every factor is 1.
/// </summary>
public sealed record RopeParameters(RopeMode Mode, int Dimensions, float Base, float FrequencyScale = 1f, WeightTensor? FrequencyFactors = null);
