using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The dense pre-norm decoder that Llama, Qwen2 and Qwen3 share: embeddings, then per layer the shared
/// attention block and a SwiGLU feed-forward, then the output head. A family states only how it differs:
/// its GGUF name, how RoPE pairs dimensions, and which extra attention tensors it carries.
/// </summary>
public abstract class DenseDecoder : IArchitecture
{
    private TransformerHyperParameters? _hp;
    private DecoderWeights<FeedForwardWeights>? _weights;
    private AttentionBlock? _attention;

    public abstract string Name { get; }

    /// <summary>Adjacent pairs (Llama) or the two halves of each head (NeoX: Qwen).</summary>
    protected abstract RopeMode RopeMode { get; }

    /// <summary>Projection biases (Qwen2), per-head Q/K norms (Qwen3), or none (Llama).</summary>
    protected abstract AttentionWeights.Extras AttentionExtras { get; }

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    public void ReadHyperParameters(GgufMetadata metadata) =>
        _hp = TransformerHyperParameters.Read(metadata, Name, RopeMode);

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        var hp = HyperParameters;
        _weights = DecoderWeights<FeedForwardWeights>.Bind(file, backend, hp, (tensors, layer) => new(
            AttentionWeights.Bind(tensors, layer, hp, AttentionExtras),
            FeedForwardWeights.Bind(tensors, layer, hp, FeedForwardWeights.Extras.None)));
        _attention = new AttentionBlock(hp, _weights.WithRopeFactors(AttentionLayerParameters.ScaledScores(hp, hp.Rope)));
    }

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) =>
        new(backend, maxTokens, HyperParameters, HyperParameters.FeedForwardLength);

    public void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows)
    {
        var hp = HyperParameters;
        var w = _weights ?? throw new InvalidOperationException("tensors not bound yet");
        var x = scratch.Residual.Slice(0, tokens.Length); // (n, embd) the residual stream

        // Token embeddings start the residual stream; each block adds attention, then the feed-forward.
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
