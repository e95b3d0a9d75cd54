using System.Runtime.InteropServices;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Keys and values stored as F16, as llama.cpp stores them by default, laid out
/// [layer][kvHead][position][headDim] so that one head's keys over all positions are contiguous
/// for the score loop and one head's values for the weighted sum.
/// </summary>
public sealed unsafe class CpuKvCache : KvCacheStorage
{
    private bool _disposed;

    public CpuKvCache(KvCacheShape shape) : base(shape)
    {
        var elements = (nuint)shape.Layers * (nuint)shape.KvHeads * (nuint)shape.Capacity * (nuint)shape.HeadDim;
        Keys = (Half*)NativeMemory.AlignedAlloc(elements * 2, 64);
        Values = (Half*)NativeMemory.AlignedAlloc(elements * 2, 64);
    }

    public Half* Keys { get; }
    public Half* Values { get; }

    /// <summary>First element of (layer, head)'s run of Capacity × HeadDim values.</summary>
    public long HeadOffset(int layer, int kvHead) =>
        ((long)layer * Shape.KvHeads + kvHead) * Shape.Capacity * Shape.HeadDim;

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(Keys);
        NativeMemory.AlignedFree(Values);
    }
}
