using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Gemma 3: pre- and post-normed decoder blocks (RMSNorm before attention and feed-forward, and
/// again on each block's output before it joins the residual stream), RMS-normed query and key
/// heads, NeoX rotary embeddings, a GeGLU feed-forward with tanh GELU, and input embeddings scaled
/// by √embd. Most layers attend only to a sliding window of recent positions and rotate with a base
/// of their own; every <c>pattern</c>-th layer is global.
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

    private TransformerHyperParameters? _hp;
    private Gemma3Weights? _weights;
    private bool[] _slidingLayers = [];       // (layers) true where the layer attends to a window only
    private int _slidingWindow;               // positions a sliding layer sees, itself included
    private RopeParameters? _slidingRope;     // rotary parameters of the sliding layers
    private float _queryScale;                // applied to Q after RoPE; the scores are not scaled again
    private float _finalLogitSoftCap;         // 0 when the model has none

    public string Name => "gemma3";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    private Gemma3Weights Weights => _weights ?? throw new InvalidOperationException("tensors not bound yet");

    public void ReadHyperParameters(GgufMetadata metadata)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(Name, suffix);
        var embd = (int)metadata.GetInteger(Key(GgufKeys.EmbeddingLength));
        var heads = (int)metadata.GetInteger(Key(GgufKeys.HeadCount));
        var headDim = (int)metadata.GetInteger(Key(GgufKeys.KeyLength), embd / heads);
        var layers = (int)metadata.GetInteger(Key(GgufKeys.BlockCount));
        var vocab = metadata.TryGet(Key(GgufKeys.VocabSize), out var v)
            ? (int)v.AsInteger()
            : metadata.GetArray(GgufKeys.TokenizerTokens).Count;
        var ropeDimensions = (int)metadata.GetInteger(Key(GgufKeys.RopeDimensionCount), headDim);
        _hp = new TransformerHyperParameters
        {
            EmbeddingLength = embd,
            Layers = layers,
            Heads = heads,
            KvHeads = (int)metadata.GetInteger(Key(GgufKeys.HeadCountKv), heads),
            HeadDim = headDim,
            FeedForwardLength = (int)metadata.GetInteger(Key(GgufKeys.FeedForwardLength)),
            ContextLength = (int)metadata.GetInteger(Key(GgufKeys.ContextLength), 8192),
            VocabSize = vocab,
            RmsEpsilon = metadata.GetFloat(Key(GgufKeys.RmsNormEpsilon), 1e-6f),
            // The global layers: the file's base, and its linear scaling (Gemma 3 4B and larger
            // stretch positions 8× on these layers only).
            Rope = new RopeParameters(
                RopeMode.NeoX,
                ropeDimensions,
                metadata.GetFloat(Key(GgufKeys.RopeFreqBase), 1000000f),
                LinearRopeScale(metadata, Key)),
        };
        _slidingRope = new RopeParameters(
            RopeMode.NeoX, ropeDimensions, metadata.GetFloat(Key(GgufKeys.RopeFreqBaseSlidingWindow), DefaultSlidingRopeBase));

        // Layer i slides unless it closes a period: with period P, layers P-1, 2P-1, … are global.
        // A period of 0 makes every layer slide; a window of 0 (or none) makes every layer global.
        _slidingWindow = (int)metadata.GetInteger(Key(GgufKeys.SlidingWindow), 0);
        var pattern = (int)metadata.GetInteger(Key(GgufKeys.SlidingWindowPattern), DefaultSlidingWindowPattern);
        _slidingLayers = Enumerable.Range(0, layers)
            .Select(i => _slidingWindow > 0 && (pattern == 0 || i % pattern < pattern - 1))
            .ToArray();

        var scaleDim = layers == Layers27B ? embd / heads : headDim;
        _queryScale = 1f / MathF.Sqrt(scaleDim);
        _finalLogitSoftCap = metadata.GetFloat(Key(GgufKeys.FinalLogitSoftcapping), 0f);
    }

    private static float LinearRopeScale(GgufMetadata metadata, Func<string, string> key)
    {
        var type = metadata.GetStringOrNull(key(GgufKeys.RopeScalingType));
        var factor = metadata.GetFloat(key(GgufKeys.RopeScalingFactor), 0f);
        return type == "linear" && factor > 0 ? 1f / factor : 1f;
    }

    /// <summary>Whether layer <paramref name="layer"/> attends to a sliding window (false: to every position).</summary>
    public bool IsSlidingLayer(int layer) => _slidingLayers[layer];

    public void BindTensors(GgufFile file, IComputeBackend backend) =>
        _weights = Gemma3Weights.Bind(file, backend, HyperParameters);

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) =>
        new(backend, maxTokens, HyperParameters, HyperParameters.FeedForwardLength);

    public void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows)
    {
        var hp = HyperParameters;
        var w = Weights;
        var n = tokens.Length;
        var x = scratch.Residual.Slice(0, n);        // (n, embd)
        var normed = scratch.Normed.Slice(0, n);     // (n, embd)
        var q = scratch.Query.Slice(0, n);           // (n, heads·headDim)
        var k = scratch.Key.Slice(0, n);             // (n, kvHeads·headDim)
        var v = scratch.Value.Slice(0, n);           // (n, kvHeads·headDim)
        var attention = scratch.AttentionOut.Slice(0, n); // (n, heads·headDim)
        var projected = scratch.Projected.Slice(0, n);    // (n, embd)
        var gate = scratch.Gate.Slice(0, n);         // (n, ff)
        var up = scratch.Up.Slice(0, n);             // (n, ff)
        // Q is scaled before the scores, as llama.cpp does, so the scores themselves are not.
        var globalAttention = new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f);
        var slidingAttention = globalAttention with { SlidingWindow = _slidingWindow };

        // Token embeddings, scaled by √embd, start the residual stream.
        step.GetRows(w.TokenEmbedding, tokens, x);
        step.Scale(x, MathF.Sqrt(hp.EmbeddingLength));

        for (int layer = 0; layer < hp.Layers; layer++)
        {
            var block = w.Blocks[layer];
            var sliding = _slidingLayers[layer];
            var rope = sliding ? _slidingRope! : hp.Rope;

            // Attention: normalise, project, RMS-norm each Q and K head, rotate, scale Q, attend
            // (to the window on sliding layers), project back, normalise the result, add.
            step.RmsNorm(x, block.AttentionNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.Query, normed, q);
            step.MatMul(block.Key, normed, k);
            step.MatMul(block.Value, normed, v);
            step.RmsNormHeads(q, hp.Heads, hp.HeadDim, block.QueryNorm, hp.RmsEpsilon);
            step.RmsNormHeads(k, hp.KvHeads, hp.HeadDim, block.KeyNorm, hp.RmsEpsilon);
            step.Rope(q, hp.Heads, hp.HeadDim, firstPosition, rope);
            step.Rope(k, hp.KvHeads, hp.HeadDim, firstPosition, rope);
            step.Scale(q, _queryScale);
            step.StoreKv(cache, layer, k, v, firstPosition);
            step.Attention(cache, layer, q, firstPosition, sliding ? slidingAttention : globalAttention, attention);
            step.MatMul(block.Output, attention, projected);
            step.RmsNorm(projected, block.PostAttentionNorm, hp.RmsEpsilon, normed);
            step.Add(x, normed);

            // Feed-forward: normalise, GeGLU, project back, normalise the result, add.
            step.RmsNorm(x, block.FeedForwardNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.Gate, normed, gate);
            step.MatMul(block.Up, normed, up);
            step.GeGlu(gate, up);
            step.MatMul(block.Down, gate, projected);
            step.RmsNorm(projected, block.PostFeedForwardNorm, hp.RmsEpsilon, normed);
            step.Add(x, normed);
        }

        // Only the rows whose logits are wanted go through the final norm and the vocabulary projection.
        var last = x.Slice(n - logitRows, logitRows);
        var lastNormed = normed.Slice(0, logitRows);
        var logits = scratch.Logits.Slice(0, logitRows);
        step.RmsNorm(last, w.OutputNorm, hp.RmsEpsilon, lastNormed);
        step.MatMul(w.Output, lastNormed, logits);
        if (_finalLogitSoftCap > 0)
            step.SoftCap(logits, _finalLogitSoftCap);
    }
}
