using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Llama: pre-norm decoder blocks with RMSNorm, rotary embeddings on adjacent pairs, grouped-query
/// attention and a SwiGLU feed-forward; the output projection is its own tensor or tied to the
/// token embeddings.
/// </summary>
public sealed class Llama : IArchitecture
{
    private TransformerHyperParameters? _hp;
    private LlamaWeights? _weights;

    public string Name => "llama";

    public TransformerHyperParameters HyperParameters => _hp ?? throw new InvalidOperationException("hyper-parameters not read yet");

    private LlamaWeights Weights => _weights ?? throw new InvalidOperationException("tensors not bound yet");

    public void ReadHyperParameters(GgufMetadata metadata)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(Name, suffix);
        var embd = (int)metadata.GetInteger(Key(GgufKeys.EmbeddingLength));
        var heads = (int)metadata.GetInteger(Key(GgufKeys.HeadCount));
        var headDim = (int)metadata.GetInteger(Key(GgufKeys.KeyLength), embd / heads);
        var vocab = metadata.TryGet(Key(GgufKeys.VocabSize), out var v)
            ? (int)v.AsInteger()
            : metadata.GetArray(GgufKeys.TokenizerTokens).Count;
        _hp = new TransformerHyperParameters
        {
            EmbeddingLength = embd,
            Layers = (int)metadata.GetInteger(Key(GgufKeys.BlockCount)),
            Heads = heads,
            KvHeads = (int)metadata.GetInteger(Key(GgufKeys.HeadCountKv), heads),
            HeadDim = headDim,
            FeedForwardLength = (int)metadata.GetInteger(Key(GgufKeys.FeedForwardLength)),
            ContextLength = (int)metadata.GetInteger(Key(GgufKeys.ContextLength), 2048),
            VocabSize = vocab,
            RmsEpsilon = metadata.GetFloat(Key(GgufKeys.RmsNormEpsilon), 1e-5f),
            Rope = new RopeParameters(
                RopeMode.Normal,
                (int)metadata.GetInteger(Key(GgufKeys.RopeDimensionCount), headDim),
                metadata.GetFloat(Key(GgufKeys.RopeFreqBase), 10000f),
                RopeFrequencyScale(metadata, Key)),
        };
    }

    private static float RopeFrequencyScale(GgufMetadata metadata, Func<string, string> key)
    {
        // Linear scaling stretches positions by 1/factor; other scaling types come with their architectures.
        var type = metadata.GetStringOrNull(key(GgufKeys.RopeScalingType));
        var factor = metadata.GetFloat(key(GgufKeys.RopeScalingFactor), 0f);
        return type == "linear" && factor > 0 ? 1f / factor : 1f;
    }

    public void BindTensors(GgufFile file, IComputeBackend backend) =>
        _weights = LlamaWeights.Bind(file, backend, HyperParameters);

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
        var attention = scratch.AttentionOut.Slice(0, n);
        var projected = scratch.Projected.Slice(0, n);
        var gate = scratch.Gate.Slice(0, n);         // (n, ff)
        var up = scratch.Up.Slice(0, n);             // (n, ff)
        var attentionShape = new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f / MathF.Sqrt(hp.HeadDim));

        // Token embeddings start the residual stream.
        step.GetRows(w.TokenEmbedding, tokens, x);

        for (int layer = 0; layer < hp.Layers; layer++)
        {
            var block = w.Blocks[layer];

            // Attention: normalise, project to Q/K/V, rotate Q and K by position, cache K/V, attend.
            step.RmsNorm(x, block.AttentionNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.Query, normed, q);
            step.MatMul(block.Key, normed, k);
            step.MatMul(block.Value, normed, v);
            step.Rope(q, hp.Heads, hp.HeadDim, firstPosition, hp.Rope);
            step.Rope(k, hp.KvHeads, hp.HeadDim, firstPosition, hp.Rope);
            step.StoreKv(cache, layer, k, v, firstPosition);
            step.Attention(cache, layer, q, firstPosition, attentionShape, attention);
            step.MatMul(block.Output, attention, projected);
            step.Add(x, projected);

            // Feed-forward: normalise, SwiGLU, project back, add to the residual stream.
            step.RmsNorm(x, block.FeedForwardNorm, hp.RmsEpsilon, normed);
            step.MatMul(block.Gate, normed, gate);
            step.MatMul(block.Up, normed, up);
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
