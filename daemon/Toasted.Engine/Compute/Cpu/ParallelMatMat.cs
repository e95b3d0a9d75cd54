using System.Buffers;
using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Spreads a many-token matmul over the pool: first the activation rows are converted in parallel,
/// then, for the panel kernels, their tiles (<see cref="ActivationTiles"/>) are built once, each thread
/// building a share of the token tiles into one buffer all threads read; then a static grid of row
/// ranges × token ranges, one cell per thread, runs the panels (<see cref="QuantizedMatMat.Panels"/>).
/// Built per thread, every thread would repeat the whole batch's tiles for its own rows. A batch too
/// large for one chunk of tiles, and types without a panel kernel, go through
/// <see cref="QuantizedMatMat.Tile"/> per cell. The loop bodies are delegates created once and the
/// call's arguments live in fields, so a call allocates nothing beyond the pooled activation buffer
/// and the tile buffer, which only grows.
/// </summary>
internal sealed unsafe class ParallelMatMat : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly Action<int> _quantizeBody;
    private readonly Action<int> _buildTilesBody;
    private readonly Action<int> _tileBody;
    private byte* _tiles;
    private long _tilesCapacity;
    private bool _sharedTiles;
    private int _blocks;
    private CpuWeightTensor? _weight;
    private CpuBuffer? _source;
    private byte[]? _activations;
    private int _activationRowBytes;
    private float* _destination;
    private int _destinationStride;
    private int _rowParts;
    private int _tokenParts;

    public ParallelMatMat(WorkerPool pool)
    {
        _pool = pool;
        _quantizeBody = QuantizePart;
        _buildTilesBody = BuildTilesPart;
        _tileBody = TilePart;
    }

    public void Run(CpuWeightTensor weight, CpuBuffer source, CpuBuffer destination)
    {
        var activationType = weight.Traits.ActivationType;
        _activationRowBytes = ActivationQuantizer.RowBytes(activationType, source.Columns);
        _activations = ArrayPool<byte>.Shared.Rent(_activationRowBytes * source.Rows);
        _weight = weight;
        _source = source;
        _destination = destination.Data;
        _destinationStride = destination.Columns;
        try
        {
            int threads = _pool.Threads;
            _pool.For(Math.Min(threads, source.Rows), _quantizeBody);
            _sharedTiles = QuantizedMatMat.HasPanelKernel(weight.Type) && QuantizedMatMat.FitsOneChunk(source.Rows, _activationRowBytes);
            if (_sharedTiles)
            {
                _blocks = weight.RowLength / weight.Traits.BlockSize;
                EnsureTiles(ActivationTiles.Bytes(activationType, source.Rows, _blocks));
                _pool.For(Math.Min(threads, ActivationTiles.TileCount(source.Rows)), _buildTilesBody);
            }
            // Whole panels per row range; split the tokens too only when rows are too few to share.
            int panels = (weight.Rows + WeightPanel.Rows - 1) / WeightPanel.Rows;
            _rowParts = Math.Max(1, Math.Min(threads, panels / 4));
            _tokenParts = Math.Min(source.Rows, (threads + _rowParts - 1) / _rowParts);
            _pool.For(_rowParts * _tokenParts, _tileBody);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_activations);
            _activations = null;
            _weight = null;
            _source = null;
        }
    }

    private static (int First, int End) Share(int total, int parts, int part, int granularity)
    {
        int units = (total + granularity - 1) / granularity;
        int first = (int)((long)units * part / parts) * granularity;
        int end = (int)((long)units * (part + 1) / parts) * granularity;
        return (Math.Min(first, total), Math.Min(end, total));
    }

    private void QuantizePart(int part)
    {
        var source = _source!;
        var type = _weight!.Traits.ActivationType;
        var (first, end) = Share(source.Rows, Math.Min(_pool.Threads, source.Rows), part, 1);
        for (int t = first; t < end; t++)
            ActivationQuantizer.Quantize(type, source.Row(t), _activations.AsSpan(t * _activationRowBytes, _activationRowBytes));
    }

    /// <summary>Tiles of one share of the token tiles, built into their place in the shared buffer.</summary>
    private void BuildTilesPart(int part)
    {
        var weight = _weight!;
        int tokens = _source!.Rows;
        int parts = Math.Min(_pool.Threads, ActivationTiles.TileCount(tokens));
        var (firstToken, endToken) = Share(tokens, parts, part, ActivationTiles.Tokens);
        if (firstToken == endToken) return;
        fixed (byte* activations = _activations)
            QuantizedMatMat.BuildTiles(weight.Type, activations + (long)firstToken * _activationRowBytes, _activationRowBytes, endToken - firstToken, _blocks,
                TilesOf(firstToken));
    }

    /// <summary>The shared tiles from token <paramref name="firstToken"/>, a multiple of eight, on: the tiles before it take
    /// the bytes of its token count.</summary>
    private byte* TilesOf(int firstToken) => _tiles + ActivationTiles.Bytes(_weight!.Traits.ActivationType, firstToken, _blocks);

    private void EnsureTiles(long bytes)
    {
        if (_tilesCapacity >= bytes) return;
        if (_tiles != null) NativeMemory.AlignedFree(_tiles);
        _tiles = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        _tilesCapacity = bytes;
    }

    public void Dispose()
    {
        if (_tiles != null) NativeMemory.AlignedFree(_tiles);
        _tiles = null;
        _tilesCapacity = 0;
    }

    private void TilePart(int cell)
    {
        var weight = _weight!;
        int tokens = _source!.Rows;
        var (firstRow, endRow) = Share(weight.Rows, _rowParts, cell % _rowParts, QuantizedMatMat.RowGranularity);
        // Whole tiles of eight tokens per cell, so that only the last cell pads.
        var (firstToken, endToken) = Share(tokens, _tokenParts, cell / _rowParts, ActivationTiles.Tokens);
        if (firstRow == endRow || firstToken == endToken) return;
        if (_sharedTiles)
        {
            QuantizedMatMat.Panels(weight, TilesOf(firstToken), endToken - firstToken,
                firstRow, endRow, _destination + (long)firstToken * _destinationStride, _destinationStride);
            return;
        }
        QuantizedMatMat.Tile(weight,
            _activations.AsSpan(firstToken * _activationRowBytes, (endToken - firstToken) * _activationRowBytes), _activationRowBytes,
            endToken - firstToken, firstRow, endRow, _destination + (long)firstToken * _destinationStride, _destinationStride);
    }
}
