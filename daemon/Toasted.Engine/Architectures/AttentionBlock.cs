using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The pre-norm self-attention sub-block every decoder here shares: RMS norm → Q/K/V projections
/// (three, or one fused and split) (+ biases) → per-head Q/K RMS norm → RoPE → Q scale → KV store →
/// causal grouped-query attention (within a window on sliding layers) → output projection (+ RMS
/// norm) → residual add. Optional pieces run only when the weights or the layer's parameters have them.
/// </summary>
public sealed class AttentionBlock
{
    private readonly TransformerHyperParameters _hp;
    private readonly AttentionLayerParameters[] _layers; // (layers)

    /// <param name="layers">Each layer's rotation, scale and window, in layer order.</param>
    public AttentionBlock(TransformerHyperParameters hp, AttentionLayerParameters[] layers)
    {
        if (layers.Length != hp.Layers)
            throw new ArgumentException($"{layers.Length} layer parameters for {hp.Layers} layers", nameof(layers));
        _hp = hp;
        _layers = layers;
    }

    /// <summary>Every layer attends alike.</summary>
    public AttentionBlock(TransformerHyperParameters hp, AttentionLayerParameters everyLayer)
        : this(hp, Enumerable.Repeat(everyLayer, hp.Layers).ToArray())
    {
    }

    /// <summary>x += Attention(RmsNorm(x)) for the rows of <paramref name="x"/> at positions firstPosition….</summary>
    public void Forward(IComputeStep step, AttentionWeights w, int layer, ComputeBuffer x, ForwardScratch scratch, int firstPosition, KvCacheStorage cache)
    {
        var n = x.Rows;
        var parameters = _layers[layer];
        var normed = scratch.Normed.Slice(0, n);          // (n, embd)
        var q = scratch.Query.Slice(0, n);                // (n, heads·headDim)
        var k = scratch.Key.Slice(0, n);                  // (n, kvHeads·headDim)
        var v = scratch.Value.Slice(0, n);                // (n, kvHeads·headDim)
        var attention = scratch.AttentionOut.Slice(0, n); // (n, heads·headDim)
        var projected = scratch.Projected.Slice(0, n);    // (n, embd)
        // LongRoPE picks its factors by the context the cache was made for, not by position, as
        // llama.cpp does: a session longer than the original context rotates every position with
        // the long factors.
        var rope = parameters.LongContextRope is { } longRope && cache.Shape.Capacity > _hp.OriginalContextLength
            ? longRope
            : parameters.Rope;

        // Normalise, project to Q/K/V (biases right after, before any norm or rotation).
        step.RmsNorm(x, w.Norm, _hp.RmsEpsilon, normed);
        if (w.QueryKeyValue is not null)
        {
            var qkv = (scratch.FusedQueryKeyValue ?? throw new InvalidOperationException("scratch has no fused-projection buffers"))
                .Slice(0, n); // (n, heads·headDim + 2·kvHeads·headDim)
            step.MatMul(w.QueryKeyValue, normed, qkv);
            step.CopyColumns(qkv, 0, q);
            step.CopyColumns(qkv, _hp.QueryDim, k);
            step.CopyColumns(qkv, _hp.QueryDim + _hp.KvDim, v);
        }
        else
        {
            step.MatMuls(normed, (w.Query!, q), (w.Key!, k), (w.Value!, v));
        }
        if (w.QueryBias is not null) step.AddBias(q, w.QueryBias);
        if (w.KeyBias is not null) step.AddBias(k, w.KeyBias);
        if (w.ValueBias is not null) step.AddBias(v, w.ValueBias);

        // Q/K norms act on each head before RoPE, so the rotation sees unit-scale heads.
        if (w.QueryNorm is not null) step.RmsNormHeads(q, _hp.Heads, _hp.HeadDim, w.QueryNorm, _hp.RmsEpsilon);
        if (w.KeyNorm is not null) step.RmsNormHeads(k, _hp.KvHeads, _hp.HeadDim, w.KeyNorm, _hp.RmsEpsilon);

        // Rotate Q and K by position; scale Q here when the scores are not scaled (llama.cpp's
        // order for Gemma 3 and Phi-3, which rounds a different Q to F16 than scaling the scores).
        step.Rope(q, _hp.Heads, _hp.HeadDim, firstPosition, rope);
        step.Rope(k, _hp.KvHeads, _hp.HeadDim, firstPosition, rope);
        if (parameters.QueryScale is { } queryScale) step.Scale(q, queryScale);

        // Cache K/V, attend over the cached positions each row may see, project back.
        step.StoreKv(cache, layer, k, v, firstPosition);
        step.Attention(cache, layer, q, firstPosition, parameters.Scores, attention);
        step.MatMul(w.Output, attention, projected);

        // Gemma 3 normalises the block's output before it joins the residual stream.
        if (w.OutputNorm is not null)
        {
            step.RmsNorm(projected, w.OutputNorm, _hp.RmsEpsilon, normed);
            step.Add(x, normed);
        }
        else
        {
            step.Add(x, projected);
        }
    }
}
