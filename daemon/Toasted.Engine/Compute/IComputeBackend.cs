using Toasted.Engine.Gguf;

namespace Toasted.Engine.Compute;

/// <summary>
/// Where the arithmetic runs. A backend owns its memory: weights are uploaded once as
/// <see cref="WeightTensor"/>s (the CPU backend views the memory map in place; a GPU backend wraps
/// the same pages), activations live in <see cref="ComputeBuffer"/>s and the KV cache in
/// <see cref="KvCacheStorage"/>. Work is recorded into an <see cref="IComputeStep"/> — one forward
/// pass — and submitted at once: nothing in the interface returns a value per op, so a GPU backend
/// can encode a whole step into one command buffer with no per-op synchronisation.
/// </summary>
public interface IComputeBackend : IDisposable
{
    string Name { get; }

    /// <summary>Worker threads the backend computes with.</summary>
    int Threads { get; }

    WeightTensor LoadWeight(GgufFile file, GgufTensorInfo tensor);

    /// <summary>A float32 activation buffer of <paramref name="rows"/> × <paramref name="columns"/>, row-major.</summary>
    ComputeBuffer AllocateBuffer(int rows, int columns);

    KvCacheStorage AllocateKvCache(KvCacheShape shape);

    IComputeStep BeginStep();
}
