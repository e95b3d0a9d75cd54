namespace Toasted.Engine.Architectures;

/// <summary>The activation a gated feed-forward applies to its gate before multiplying by up.</summary>
public enum FeedForwardActivation
{
    /// <summary>SwiGLU: silu(gate) ⊙ up (Llama, Qwen, Phi-3).</summary>
    Silu,
    /// <summary>GeGLU: gelu(gate) ⊙ up with the tanh approximation, through ggml's F16 table (Gemma 3).</summary>
    TanhGelu,
}
