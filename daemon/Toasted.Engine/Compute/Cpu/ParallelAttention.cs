namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Spreads causal attention over the worker pool, one (token, head) pair per index: pairs of later
/// tokens read more positions, and the pool's claimed indices balance that. The loop body is one
/// delegate created with the object and the operands travel in fields, so a call allocates nothing.
/// </summary>
internal sealed unsafe class ParallelAttention
{
    private readonly WorkerPool _pool;
    private readonly Action<int> _pair;
    private CpuKvCache? _cache;
    private CpuBuffer? _queries;
    private CpuBuffer? _destination;
    private AttentionParameters? _attention;
    private int _layer;
    private int _firstPosition;

    /// <summary>Once cancelled, the remaining pairs are skipped and the destination is left undefined.</summary>
    public CancellationToken Cancellation { get; set; }

    public ParallelAttention(WorkerPool pool)
    {
        _pool = pool;
        _pair = RunPair;
    }

    public void Run(CpuKvCache cache, int layer, CpuBuffer queries, int firstPosition, AttentionParameters attention, CpuBuffer destination)
    {
        (_cache, _layer, _queries, _firstPosition, _attention, _destination) = (cache, layer, queries, firstPosition, attention, destination);
        try
        {
            _pool.For(queries.Rows * attention.Heads, _pair);
        }
        finally
        {
            (_cache, _queries, _destination, _attention) = (null, null, null, null);
        }
    }

    private void RunPair(int pair)
    {
        if (Cancellation.IsCancellationRequested) return;
        var attention = _attention!;
        var cache = _cache!;
        var t = pair / attention.Heads;
        var h = pair % attention.Heads;
        // Grouped-query attention: consecutive query heads share one KV head.
        var kvHead = h / (attention.Heads / attention.KvHeads);
        var position = _firstPosition + t;
        var first = attention.SlidingWindow > 0 ? Math.Max(0, position - attention.SlidingWindow + 1) : 0;
        var offset = cache.HeadOffset(_layer, kvHead);
        CausalAttention.Head(
            _queries!.Row(t).Slice(h * attention.HeadDim, attention.HeadDim),
            cache.Keys + offset, cache.Values + offset, cache.Shape.Capacity, first, position + 1, attention.HeadDim, attention.Scale,
            _destination!.Row(t).Slice(h * attention.HeadDim, attention.HeadDim));
    }
}
