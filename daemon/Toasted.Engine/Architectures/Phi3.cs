using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Phi-3: Llama's pre-norm blocks with two fused projections — one matrix makes Q, K and V, one
/// makes the SwiGLU gate and up halves — and NeoX rotary embeddings over
/// <c>rope.dimension_count</c> dimensions, with LongRoPE's per-pair frequency factors when the file
/// has them. The file's <c>attention.sliding_window</c> is not applied (see <see cref="ReadHyperParameters"/>).
/// </summary>
public sealed class Phi3 : IArchitecture
{
    /// <summary>Phi-3-mini's own context length for files that lack the key.</summary>
    private static readonly TransformerHyperParameters.Defaults Defaults = new() { ContextLength = 4096 };

    private TransformerHyperParameters? _hp;
    private DecoderWeights<FeedForwardWeights>? _weights;
    private AttentionBlock? _attention;

    public string Name => "phi3";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    /// <remarks>
    /// Phi-3 files carry <c>attention.sliding_window</c> (2047 for Phi-3-mini-4k), but every position
    /// attends to every earlier one, as in llama.cpp: it disables Phi-3's window with a warning
    /// because the converted files do not reliably say which layers slide and over how many
    /// positions. Applying the key as written would disagree with llama.cpp on every prompt longer
    /// than the window, for a setting whose meaning in the file cannot be trusted; so it is not read.
    /// </remarks>
    public void ReadHyperParameters(GgufMetadata metadata) =>
        _hp = TransformerHyperParameters.Read(metadata, Name, RopeMode.NeoX, Defaults);

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        var hp = HyperParameters;
        // Every published Phi-3 file fuses Q/K/V into attn_qkv and gate/up into ffn_up.
        _weights = DecoderWeights<FeedForwardWeights>.Bind(file, backend, hp, (tensors, layer) => new(
            AttentionWeights.Bind(tensors, layer, hp, AttentionWeights.Extras.FusedQueryKeyValue),
            FeedForwardWeights.Bind(tensors, layer, hp, FeedForwardWeights.Extras.FusedGateUp)));
        // Q is multiplied by 1/√headDim after RoPE and the scores are not scaled again, llama.cpp's order.
        _attention = new AttentionBlock(hp, _weights.WithRopeFactors(AttentionLayerParameters.ScaledQuery(hp, hp.Rope, 1f / MathF.Sqrt(hp.HeadDim))));
    }

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) =>
        new(backend, maxTokens, HyperParameters, HyperParameters.FeedForwardLength, fusedProjections: true);

    public void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows)
    {
        var hp = HyperParameters;
        var w = _weights ?? throw new InvalidOperationException("tensors not bound yet");
        var x = scratch.Residual.Slice(0, tokens.Length); // (n, embd) the residual stream

        step.GetRows(w.TokenEmbedding, tokens, x);
        for (int layer = 0; layer < hp.Layers; layer++)
        {
            var block = w.Blocks[layer];
            _attention!.Forward(step, block.Attention, layer, x, scratch, firstPosition, cache);
            GatedFeedForward.Forward(step, block.FeedForward, FeedForwardActivation.Silu, hp.RmsEpsilon, x, scratch);
        }
        OutputHead.Forward(step, w.OutputNorm, w.Output, hp.RmsEpsilon, x, scratch, logitRows);
    }
}
