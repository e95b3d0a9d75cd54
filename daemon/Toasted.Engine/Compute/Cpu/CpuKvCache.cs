namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Keys and values stored as F16, as llama.cpp stores them by default, both laid out
/// [layer][kvHead][position][headDim]: storing a position writes one run per head, and a block of
/// positions is one run to read. Values are not transposed as in llama.cpp's non-flash layout: a
/// transposed store writes one value per dimension a row (Capacity × 2 bytes) apart, and a decode step
/// comes to every layer after the whole model's weights went through the caches, so each of those
/// writes, and each short run a step reads back, was a miss of its own (about 10 µs of stores per
/// layer at a depth of 64, against 5.5 µs now; see docs/architecture.md). The attention tiles take a
/// value block in either order at the same speed. Both live in huge pages where the kernel grants them,
/// faulted in when the cache is made (<see cref="LargePageMemory.AllocateZeroed"/>).
/// </summary>
public sealed unsafe class CpuKvCache : KvCacheStorage
{
    private bool _disposed;

    public CpuKvCache(KvCacheShape shape) : base(shape)
    {
        var elements = (nuint)shape.Layers * (nuint)shape.KvHeads * (nuint)shape.Capacity * (nuint)shape.HeadDim;
        Keys = (Half*)LargePageMemory.AllocateZeroed((long)elements * 2);
        Values = (Half*)LargePageMemory.AllocateZeroed((long)elements * 2);
    }

    public Half* Keys { get; }
    public Half* Values { get; }

    /// <summary>First element of (layer, head)'s run of Capacity × HeadDim keys or values.</summary>
    public long HeadOffset(int layer, int kvHead) =>
        ((long)layer * Shape.KvHeads + kvHead) * Shape.Capacity * Shape.HeadDim;

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        LargePageMemory.Free((byte*)Keys);
        LargePageMemory.Free((byte*)Values);
    }
}
