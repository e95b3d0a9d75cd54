using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Gemma 3: pre- and post-normed decoder blocks (RMSNorm before attention and feed-forward, and
/// again on each sub-block's output before it joins the residual stream), RMS-normed query and key
/// heads, NeoX rotary embeddings, a GeGLU feed-forward with tanh GELU, and input embeddings scaled
/// by √embd. Most layers attend only to a sliding window of recent positions and rotate with a base
/// of their own; every <c>pattern</c>-th layer is global. The norm weights are used as stored: the
/// converter already folded Gemma's "1 + w" into them.
/// </summary>
public sealed class Gemma3 : IArchitecture
{
    /// <summary>Published Gemma 3 files carry no period key; llama.cpp's default is five sliding
    /// layers, then one global.</summary>
    private const int DefaultSlidingWindowPattern = 6;

    /// <summary>Rotary base of the sliding-window layers when <c>rope.freq_base_swa</c> is absent, as
    /// in published Gemma 3 files (the value of Gemma 3's own configuration).</summary>
    private const float DefaultSlidingRopeBase = 10000f;

    /// <summary>Gemma 3 27B, the one size whose query scale is 1/√(embd/heads) rather than
    /// 1/√headDim (its query_pre_attn_scalar); llama.cpp recognises it by its layer count.</summary>
    private const int Layers27B = 62;

    /// <summary>Gemma 3's own configuration values for keys a file may lack.</summary>
    private static readonly TransformerHyperParameters.Defaults Defaults = new()
    {
        ContextLength = 8192,
        RmsEpsilon = 1e-6f,
        RopeBase = 1000000f,
    };

    private TransformerHyperParameters? _hp;
    private AttentionLayerParameters[] _layers = []; // (layers) rotation, Q scale and window of each layer
    private float _finalLogitSoftCap;                // 0 when the model has none
    private DecoderWeights<FeedForwardWeights>? _weights;
    private AttentionBlock? _attention;

    public string Name => "gemma3";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    public void ReadHyperParameters(GgufMetadata metadata)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(Name, suffix);
        // hp.Rope is the global layers' rotation: the file's base and its linear scaling (Gemma 3 4B
        // and larger stretch positions 8× on these layers only).
        var hp = TransformerHyperParameters.Read(metadata, Name, RopeMode.NeoX, Defaults);
        var slidingRope = new RopeParameters(
            RopeMode.NeoX, hp.Rope.Dimensions, metadata.GetFloat(Key(GgufKeys.RopeFreqBaseSlidingWindow), DefaultSlidingRopeBase));

        // Q is multiplied by the scale after RoPE and the scores are not scaled again, llama.cpp's order.
        var scaleDim = hp.Layers == Layers27B ? hp.EmbeddingLength / hp.Heads : hp.HeadDim;
        var queryScale = 1f / MathF.Sqrt(scaleDim);
        var global = AttentionLayerParameters.ScaledQuery(hp, hp.Rope, queryScale);

        // Layer i slides unless it closes a period: with period P, layers P-1, 2P-1, … are global.
        // A period of 0 makes every layer slide; a window of 0 (or none) makes every layer global.
        var window = (int)metadata.GetInteger(Key(GgufKeys.SlidingWindow), 0);
        var pattern = (int)metadata.GetInteger(Key(GgufKeys.SlidingWindowPattern), DefaultSlidingWindowPattern);
        var sliding = window > 0 ? AttentionLayerParameters.ScaledQuery(hp, slidingRope, queryScale, window) : global;
        _layers = Enumerable.Range(0, hp.Layers)
            .Select(i => pattern == 0 || i % pattern < pattern - 1 ? sliding : global)
            .ToArray();

        _finalLogitSoftCap = metadata.GetFloat(Key(GgufKeys.FinalLogitSoftcapping), 0f);
        _hp = hp;
    }

    /// <summary>Whether layer <paramref name="layer"/> attends to a sliding window (false: to every position).</summary>
    public bool IsSlidingLayer(int layer) => _layers[layer].Scores.SlidingWindow > 0;

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        var hp = HyperParameters;
        _weights = DecoderWeights<FeedForwardWeights>.Bind(file, backend, hp, (tensors, layer) => new(
            AttentionWeights.Bind(tensors, layer, hp, AttentionWeights.Extras.HeadNorms | AttentionWeights.Extras.OutputNorm),
            FeedForwardWeights.Bind(tensors, layer, hp, FeedForwardWeights.Extras.OutputNorm)));
        // No frequency factors: llama.cpp's Gemma 3 rotates without them.
        _attention = new AttentionBlock(hp, _layers);
    }

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) =>
        new(backend, maxTokens, HyperParameters, HyperParameters.FeedForwardLength);

    public void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows)
    {
        var hp = HyperParameters;
        var w = _weights ?? throw new InvalidOperationException("tensors not bound yet");
        var x = scratch.Residual.Slice(0, tokens.Length); // (n, embd) the residual stream

        // Token embeddings, scaled by √embd, start the residual stream.
        step.GetRows(w.TokenEmbedding, tokens, x);
        step.Scale(x, MathF.Sqrt(hp.EmbeddingLength));
        for (int layer = 0; layer < hp.Layers; layer++)
        {
            var block = w.Blocks[layer];
            _attention!.Forward(step, block.Attention, layer, x, scratch, firstPosition, cache);
            GatedFeedForward.Forward(step, block.FeedForward, FeedForwardActivation.TanhGelu, hp.RmsEpsilon, x, scratch);
        }
        OutputHead.Forward(step, w.OutputNorm, w.Output, hp.RmsEpsilon, x, scratch, logitRows, _finalLogitSoftCap);
    }
}
