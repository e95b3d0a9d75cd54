using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Qwen3-MoE (Qwen3-30B-A3B, 235B-A22B): Qwen3's attention with a mixture-of-experts feed-forward in
/// every block — softmax router, top-k experts per token, their probabilities renormalised over the
/// chosen (the model's norm_topk_prob, which llama.cpp always applies for this architecture), no
/// shared expert.
/// </summary>
public sealed class Qwen3Moe : IArchitecture
{
    private TransformerHyperParameters? _hp;
    private MixtureOfExpertsParameters? _moe;
    private DecoderWeights<MixtureOfExpertsWeights>? _weights;
    private AttentionBlock? _attention;

    public string Name => "qwen3moe";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    private MixtureOfExpertsParameters Experts => _moe ?? throw new InvalidOperationException("hyper-parameters not read yet");

    public void ReadHyperParameters(GgufMetadata metadata)
    {
        _hp = TransformerHyperParameters.Read(metadata, Name, RopeMode.NeoX);
        _moe = MixtureOfExpertsParameters.Read(metadata, Name, normaliseWeights: true);
    }

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        var hp = HyperParameters;
        var moe = Experts;
        _weights = DecoderWeights<MixtureOfExpertsWeights>.Bind(file, backend, hp, (tensors, layer) => new(
            AttentionWeights.Bind(tensors, layer, hp, AttentionWeights.Extras.HeadNorms),
            MixtureOfExpertsWeights.Bind(tensors, layer, hp, moe)));
        _attention = new AttentionBlock(hp, _weights.WithRopeFactors(AttentionLayerParameters.ScaledScores(hp, hp.Rope)));
    }

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) =>
        new(backend, maxTokens, HyperParameters, Experts.ChosenFeedForwardLength, Experts);

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
            MixtureOfExperts.Forward(step, block.FeedForward, Experts, hp.RmsEpsilon, x, scratch);
        }
        OutputHead.Forward(step, w.OutputNorm, w.Output, hp.RmsEpsilon, x, scratch, logitRows);
    }
}
