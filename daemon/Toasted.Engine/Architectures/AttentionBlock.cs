using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The pre-norm self-attention sub-block every decoder here shares: RMS norm → Q/K/V projections
/// (+ biases) → per-head Q/K RMS norm → RoPE → KV store → causal grouped-query attention → output
/// projection, added to the residual stream. Optional pieces run only when the weights have them.
/// </summary>
public sealed class AttentionBlock
{
    private readonly TransformerHyperParameters _hp;
    private readonly RopeParameters _rope;
    private readonly AttentionParameters _attention;

    /// <param name="rope">The rotary parameters with any bound frequency factors; hp.Rope when there are none.</param>
    public AttentionBlock(TransformerHyperParameters hp, RopeParameters rope)
    {
        _hp = hp;
        _rope = rope;
        _attention = new AttentionParameters(hp.Heads, hp.KvHeads, hp.HeadDim, 1f / MathF.Sqrt(hp.HeadDim));
    }

    /// <summary>x += Attention(RmsNorm(x)) for the rows of <paramref name="x"/> at positions firstPosition….</summary>
    public void Forward(IComputeStep step, AttentionWeights w, int layer, ComputeBuffer x, ForwardScratch scratch, int firstPosition, KvCacheStorage cache)
    {
        var n = x.Rows;
        var normed = scratch.Normed.Slice(0, n);         // (n, embd)
        var q = scratch.Query.Slice(0, n);               // (n, heads·headDim)
        var k = scratch.Key.Slice(0, n);                 // (n, kvHeads·headDim)
        var v = scratch.Value.Slice(0, n);               // (n, kvHeads·headDim)
        var attention = scratch.AttentionOut.Slice(0, n); // (n, heads·headDim)
        var projected = scratch.Projected.Slice(0, n);   // (n, embd)

        // Normalise, project to Q/K/V (biases right after, before any norm or rotation).
        step.RmsNorm(x, w.Norm, _hp.RmsEpsilon, normed);
        step.MatMul(w.Query, normed, q);
        step.MatMul(w.Key, normed, k);
        step.MatMul(w.Value, normed, v);
        if (w.QueryBias is not null) step.AddBias(q, w.QueryBias);
        if (w.KeyBias is not null) step.AddBias(k, w.KeyBias);
        if (w.ValueBias is not null) step.AddBias(v, w.ValueBias);

        // Q/K norms act on each head before RoPE, so the rotation sees unit-scale heads.
        if (w.QueryNorm is not null) step.RmsNormHeads(q, _hp.Heads, _hp.HeadDim, w.QueryNorm, _hp.RmsEpsilon);
        if (w.KeyNorm is not null) step.RmsNormHeads(k, _hp.KvHeads, _hp.HeadDim, w.KeyNorm, _hp.RmsEpsilon);

        // Rotate Q and K by position, cache K/V, attend over every cached position up to each row's own.
        step.Rope(q, _hp.Heads, _hp.HeadDim, firstPosition, _rope);
        step.Rope(k, _hp.KvHeads, _hp.HeadDim, firstPosition, _rope);
        step.StoreKv(cache, layer, k, v, firstPosition);
        step.Attention(cache, layer, q, firstPosition, _attention, attention);
        step.MatMul(w.Output, attention, projected);
        step.Add(x, projected);
    }
}
