namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Spreads causal attention over the worker pool, one <see cref="AttentionTile"/> per index: a KV
/// head × a block of consecutive tokens, whose rows are those tokens × the query heads sharing the
/// KV head. Tiles of later tokens read more positions, so the last token blocks are handed out
/// first and the loop ends on the short ones. The loop body is one delegate created with the object
/// and the operands travel in fields, so a call allocates nothing; each thread's tile scratch is
/// its own and only grows.
/// </summary>
internal sealed unsafe class ParallelAttention
{
    /// <summary>Query rows a tile aims for (8 tokens × 8 heads for TinyLlama): each converted block
    /// of keys or values feeds that many rows. 64 ran faster than 32; 128 was no faster, and
    /// wastes more of the masked corner of each tile.</summary>
    private const int TileRows = 64;

    private readonly WorkerPool _pool;
    private readonly Action<int> _tile;
    private CpuKvCache? _cache;
    private CpuBuffer? _queries;
    private CpuBuffer? _destination;
    private AttentionParameters? _attention;
    private int _layer;
    private int _firstPosition;
    private int _tokensPerTile;
    private int _tokenBlocks;

    /// <summary>Once cancelled, the remaining tiles are skipped and the destination is left undefined.</summary>
    public CancellationToken Cancellation { get; set; }

    public ParallelAttention(WorkerPool pool)
    {
        _pool = pool;
        _tile = RunTile;
    }

    public void Run(CpuKvCache cache, int layer, CpuBuffer queries, int firstPosition, AttentionParameters attention, CpuBuffer destination)
    {
        (_cache, _layer, _queries, _firstPosition, _attention, _destination) = (cache, layer, queries, firstPosition, attention, destination);
        _tokensPerTile = Math.Max(1, TileRows / (attention.Heads / attention.KvHeads));
        _tokenBlocks = (queries.Rows + _tokensPerTile - 1) / _tokensPerTile;
        try
        {
            _pool.For(_tokenBlocks * attention.KvHeads, _tile);
        }
        finally
        {
            (_cache, _queries, _destination, _attention) = (null, null, null, null);
        }
    }

    private void RunTile(int index)
    {
        if (Cancellation.IsCancellationRequested) return;
        var attention = _attention!;
        var cache = _cache!;
        var queries = _queries!;
        var destination = _destination!;
        var block = _tokenBlocks - 1 - index / attention.KvHeads;
        var kvHead = index % attention.KvHeads;
        // Grouped-query attention: consecutive query heads share one KV head.
        var group = attention.Heads / attention.KvHeads;
        var firstToken = block * _tokensPerTile;
        var tokens = Math.Min(_tokensPerTile, queries.Rows - firstToken);
        var offset = cache.HeadOffset(_layer, kvHead);
        new AttentionTile(
            queries.Data + (long)firstToken * queries.Columns, queries.Columns,
            destination.Data + (long)firstToken * destination.Columns, destination.Columns,
            kvHead * group, group, tokens, _firstPosition + firstToken,
            cache.Keys + offset, cache.Values + offset, cache.Shape.Capacity, attention.HeadDim, attention.Scale, attention.SlidingWindow)
            .Compute(AttentionScratch.ForCurrentThread);
    }
}
