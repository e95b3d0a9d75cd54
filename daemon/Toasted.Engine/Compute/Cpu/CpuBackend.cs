using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The managed CPU backend: weights viewed in place in the memory map, activations in aligned
/// native memory, ops run eagerly across a persistent <see cref="WorkerPool"/>. It is also the
/// reference every other backend is compared with.
/// </summary>
public sealed class CpuBackend : IComputeBackend
{
    private readonly WorkerPool _pool;
    private readonly CpuComputeStep _step;
    private readonly List<InterleavedRows> _interleaved = [];

    public CpuBackend(int threads)
    {
        _pool = new WorkerPool(threads <= 0 ? Environment.ProcessorCount : threads);
        _step = new CpuComputeStep(_pool);
    }

    public string Name => "cpu";
    public int Threads => _pool.Threads;

    /// <summary>The pool the ops run on, for a benchmark that measures plain reads on the same threads.</summary>
    internal WorkerPool Pool => _pool;

    public unsafe WeightTensor LoadWeight(GgufFile file, GgufTensorInfo tensor)
    {
        if (!QuantTraitsTable.IsSupported(tensor.Type))
            throw new NotSupportedException($"tensor '{tensor.Name}' has type {tensor.Type}, which this backend cannot compute with");
        if (tensor.RowLength > int.MaxValue || tensor.RowCount > int.MaxValue)
            throw new NotSupportedException($"tensor '{tensor.Name}' is too large");
        var rowBytes = GgmlTypeLayout.RowBytes(tensor.Type, tensor.RowLength);
        var weight = new CpuWeightTensor(tensor.Name, tensor.Type, (int)tensor.RowLength, (int)tensor.RowCount,
            file.GetTensorPointer(tensor), rowBytes);
        // 1-D tensors (norms, biases) are never multiplied; matrices get their decode layout now, once.
        if (tensor.RowCount > 1 && InterleavedRows.TryCreate(weight) is { } interleaved)
        {
            weight.Interleaved = interleaved;
            lock (_interleaved) _interleaved.Add(interleaved);
        }
        return weight;
    }

    public ComputeBuffer AllocateBuffer(int rows, int columns) => new CpuBuffer(rows, columns);

    public KvCacheStorage AllocateKvCache(KvCacheShape shape) => new CpuKvCache(shape);

    /// <summary>
    /// The one step object, reused: ops execute as they are recorded and the pool runs one loop at a
    /// time, so steps on this backend are sequential by nature (callers serialise them), and reusing
    /// the step keeps its cached loop bodies from being rebuilt for every token.
    /// </summary>
    public IComputeStep BeginStep() => _step;

    public void Dispose()
    {
        _pool.Dispose();
        _step.ReleaseScratch();
        lock (_interleaved)
        {
            foreach (var rows in _interleaved) rows.Dispose();
            _interleaved.Clear();
        }
    }
}
