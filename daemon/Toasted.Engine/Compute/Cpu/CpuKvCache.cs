namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Keys and values stored as F16, as llama.cpp stores them by default. Keys are laid out
/// [layer][kvHead][position][headDim], so each score is one contiguous dot; values are transposed,
/// [layer][kvHead][headDim][position], so each output dimension of the weighted sum is one
/// contiguous dot over positions (llama.cpp's non-flash layout too). Both live in huge pages where the
/// kernel grants them: storing one position writes one value per dimension, a row (Capacity × 2 bytes,
/// 4 KiB at 2048 positions) apart, and reading a block of values walks the same rows, so with 4 KiB pages
/// every value of a decode step would cost a TLB miss.
/// </summary>
public sealed unsafe class CpuKvCache : KvCacheStorage
{
    private bool _disposed;

    public CpuKvCache(KvCacheShape shape) : base(shape)
    {
        var elements = (nuint)shape.Layers * (nuint)shape.KvHeads * (nuint)shape.Capacity * (nuint)shape.HeadDim;
        Keys = (Half*)LargePageMemory.Allocate((long)elements * 2);
        Values = (Half*)LargePageMemory.Allocate((long)elements * 2);
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
