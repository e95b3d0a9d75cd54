namespace Toasted.Engine.Compute;

/// <summary>
/// The keys and values of one sequence, in backend memory. Positions [0, length) are valid; the
/// owner (the inference session) tracks the length and which tokens it holds.
/// </summary>
public abstract class KvCacheStorage : IDisposable
{
    protected KvCacheStorage(KvCacheShape shape) => Shape = shape;

    public KvCacheShape Shape { get; }

    public abstract void Dispose();
}
