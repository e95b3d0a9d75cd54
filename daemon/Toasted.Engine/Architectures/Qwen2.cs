using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Qwen2 (Qwen 1.5, 2, 2.5): Llama's block with biases on the Q/K/V projections, rotary embeddings
/// on the two halves of each head (NeoX), and usually an output projection tied to the embeddings.
/// </summary>
public sealed class Qwen2 : IArchitecture
{
    private TransformerHyperParameters? _hp;
    private DecoderWeights<FeedForwardWeights>? _weights;
    private AttentionBlock? _attention;

    public string Name => "qwen2";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    public void ReadHyperParameters(GgufMetadata metadata) =>
        _hp = TransformerHyperParameters.Read(metadata, Name, RopeMode.NeoX);

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        var hp = HyperParameters;
        _weights = DecoderWeights<FeedForwardWeights>.Bind(file, backend, hp, (tensors, layer) => new(
            AttentionWeights.Bind(tensors, layer, hp, AttentionWeights.Extras.ProjectionBiases),
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
