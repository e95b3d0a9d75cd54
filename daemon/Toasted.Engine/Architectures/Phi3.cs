using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Phi-3: Llama's pre-norm blocks with two fused projections — one matrix makes Q, K and V, one
/// makes the SwiGLU gate and up halves — and NeoX rotary embeddings over
/// <c>rope.dimension_count</c> dimensions, with LongRoPE's per-pair frequency factors when the file
/// has them. The file's <c>attention.sliding_window</c> is not applied (see <see cref="Forward"/>).
/// </summary>
public sealed class Phi3 : IArchitecture
{
    private TransformerHyperParameters? _hp;
    private Phi3Weights? _weights;
    private int _originalContextLength;   // the training context LongRoPE's short factors are for
    private RopeParameters? _shortRope;   // within the original context (or no factors at all)
    private RopeParameters? _longRope;    // for contexts beyond it

    public string Name => "phi3";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    private Phi3Weights Weights => _weights ?? throw new InvalidOperationException("tensors not bound yet");

    public void ReadHyperParameters(GgufMetadata metadata)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(Name, suffix);
        var embd = (int)metadata.GetInteger(Key(GgufKeys.EmbeddingLength));
        var heads = (int)metadata.GetInteger(Key(GgufKeys.HeadCount));
        var headDim = (int)metadata.GetInteger(Key(GgufKeys.KeyLength), embd / heads);
        var vocab = metadata.TryGet(Key(GgufKeys.VocabSize), out var v)
            ? (int)v.AsInteger()
            : metadata.GetArray(GgufKeys.TokenizerTokens).Count;
        var contextLength = (int)metadata.GetInteger(Key(GgufKeys.ContextLength), 4096);
        _hp = new TransformerHyperParameters
        {
            EmbeddingLength = embd,
            Layers = (int)metadata.GetInteger(Key(GgufKeys.BlockCount)),
            Heads = heads,
            KvHeads = (int)metadata.GetInteger(Key(GgufKeys.HeadCountKv), heads),
            HeadDim = headDim,
            FeedForwardLength = (int)metadata.GetInteger(Key(GgufKeys.FeedForwardLength)),
            ContextLength = contextLength,
            VocabSize = vocab,
            RmsEpsilon = metadata.GetFloat(Key(GgufKeys.RmsNormEpsilon), 1e-5f),
            // LongRoPE's attention factor (√(1 + ln(scale)/ln(original context)), written by the
            // converter) scales the rotation's cosine and sine, as llama.cpp applies it.
            Rope = new RopeParameters(
                RopeMode.NeoX,
                (int)metadata.GetInteger(Key(GgufKeys.RopeDimensionCount), headDim),
                metadata.GetFloat(Key(GgufKeys.RopeFreqBase), 10000f),
                AttentionFactor: metadata.GetFloat(Key(GgufKeys.RopeScalingAttentionFactor), 1f)),
        };
        _originalContextLength = (int)metadata.GetInteger(Key(GgufKeys.RopeScalingOriginalContextLength), contextLength);
    }

    public void BindTensors(GgufFile file, IComputeBackend backend)
    {
        _weights = Phi3Weights.Bind(file, backend, HyperParameters);
        var rope = HyperParameters.Rope;
        _shortRope = rope with { FrequencyFactors = _weights.ShortRopeFactors };
        _longRope = rope with { FrequencyFactors = _weights.LongRopeFactors ?? _weights.ShortRopeFactors };
    }

    public ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens) => new Phi3Scratch(backend, maxTokens, HyperParameters);

    /// <remarks>
    /// Phi-3 files carry <c>attention.sliding_window</c> (2047 for Phi-3-mini-4k), but every position
    /// attends to every earlier one, as in llama.cpp: it disables Phi-3's window with a warning
    /// because the converted files do not reliably say which layers slide and over how many
    /// positions. Applying the key as written would disagree with llama.cpp on every prompt longer
    /// than the window, for a setting whose meaning in the file cannot be trusted.
    /// </remarks>
    public void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows)
    {
        var hp = HyperParameters;
        var w = Weights;
        var phiScratch = (Phi3Scratch)scratch;
        var n = tokens.Length;
        var x = scratch.Residual.Slice(0, n);              // (n, embd)
        var normed = scratch.Normed.Slice(0, n);           // (n, embd)
        var qkv = phiScratch.FusedQkv.Slice(0, n);         // (n, heads·headDim + 2·kvHeads·headDim)
        var q = scratch.Query.Slice(0, n);                 // (n, heads·headDim)
        var k = scratch.Key.Slice(0, n);                   // (n, kvHeads·headDim)
        var v = scratch.Value.Slice(0, n);                 // (n, kvHeads·headDim)
        var attention = scratch.AttentionOut.Slice(0, n);  // (n, heads·headDim)
        var projected = scratch.Projected.Slice(0, n);     // (n, embd)
        var gateUp = phiScratch.FusedGateUp.Slice(0, n);   // (n, 2·ff)
        var gate = scratch.Gate.Slice(0, n);               // (n, ff)
        var up = scratch.Up.Slice(0, n);                   // (n, ff)
        // Q is scaled before the scores, as llama.cpp does, so the scores themselves are not.
        var attentionShape = new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f);
        var queryScale = 1f / MathF.Sqrt(hp.HeadDim);
        // LongRoPE picks its factors by the context the cache was made for, not by position: a
        // session longer than the original context rotates every position with the long factors.
        var rope = cache.Shape.Capacity > _originalContextLength ? _longRope! : _shortRope!;

        // Token embeddings start the residual stream.
        step.GetRows(w.TokenEmbedding, tokens, x);

        for (int layer = 0; layer < hp.Layers; layer++)
        {
            var block = w.Blocks[layer];

            // Attention: normalise, one fused projection split into Q, K and V, rotate, scale Q,
            // cache K/V, attend, project back, add.
            step.RmsNorm(x, block.AttentionNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.QueryKeyValue, normed, qkv);
            step.CopyColumns(qkv, 0, q);
            step.CopyColumns(qkv, hp.QueryDim, k);
            step.CopyColumns(qkv, hp.QueryDim + hp.KvDim, v);
            step.Rope(q, hp.Heads, hp.HeadDim, firstPosition, rope);
            step.Rope(k, hp.KvHeads, hp.HeadDim, firstPosition, rope);
            step.Scale(q, queryScale);
            step.StoreKv(cache, layer, k, v, firstPosition);
            step.Attention(cache, layer, q, firstPosition, attentionShape, attention);
            step.MatMul(block.Output, attention, projected);
            step.Add(x, projected);

            // Feed-forward: normalise, one fused projection split into gate and up, SwiGLU,
            // project back, add.
            step.RmsNorm(x, block.FeedForwardNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.GateUp, normed, gateUp);
            step.CopyColumns(gateUp, 0, gate);
            step.CopyColumns(gateUp, hp.FeedForwardLength, up);
            step.SwiGlu(gate, up);
            step.MatMul(block.Down, gate, projected);
            step.Add(x, projected);
        }

        // Only the rows whose logits are wanted go through the final norm and the vocabulary projection.
        var last = x.Slice(n - logitRows, logitRows);
        var lastNormed = normed.Slice(0, logitRows);
        step.RmsNorm(last, w.OutputNorm, hp.RmsEpsilon, lastNormed);
        step.MatMul(w.Output, lastNormed, scratch.Logits.Slice(0, logitRows));
    }
}
