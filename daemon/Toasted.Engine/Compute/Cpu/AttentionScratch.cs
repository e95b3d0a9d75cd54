namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// One thread's working memory for <see cref="AttentionTile"/>: a pinned float array that only
/// grows, carved into 64-byte-aligned regions per tile, so a tile allocates nothing once the
/// thread has seen its largest tile. Pinned because the kernels work on pointers.
/// </summary>
internal sealed unsafe class AttentionScratch
{
    private const int AlignmentFloats = 16;

    [ThreadStatic] private static AttentionScratch? _current;

    private float[] _floats = [];
    private float* _aligned;
    private int _capacity;
    private int _used;

    public static AttentionScratch ForCurrentThread => _current ??= new AttentionScratch();

    /// <summary>Makes room for regions totalling <paramref name="floats"/> (each rounded up to the
    /// alignment) and forgets the previous tile's regions.</summary>
    public void Reset(long floats)
    {
        _used = 0;
        if (floats <= _capacity) return;
        var capacity = checked((int)Math.Max(floats, (long)_capacity * 3 / 2));
        _floats = GC.AllocateUninitializedArray<float>(capacity + AlignmentFloats, pinned: true);
        fixed (float* start = _floats)
            _aligned = (float*)(((nuint)start + 63) & ~(nuint)63);
        _capacity = capacity;
    }

    /// <summary>The next region of <paramref name="floats"/> floats, 64-byte aligned.</summary>
    public float* Take(int floats)
    {
        var rounded = RoundUp(floats);
        if (_used + rounded > _capacity) throw new InvalidOperationException($"attention scratch of {_capacity} floats exhausted");
        var region = _aligned + _used;
        _used += rounded;
        return region;
    }

    /// <summary>The space <see cref="Take"/> uses for a region of <paramref name="floats"/>.</summary>
    public static int RoundUp(int floats) => (floats + AlignmentFloats - 1) & ~(AlignmentFloats - 1);
}
