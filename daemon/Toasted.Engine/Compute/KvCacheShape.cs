namespace Toasted.Engine.Compute;

/// <summary>Size of a KV cache: per layer, <see cref="KvHeads"/> heads of <see cref="HeadDim"/> values for each of <see cref="Capacity"/> positions.</summary>
public sealed record KvCacheShape(int Layers, int KvHeads, int HeadDim, int Capacity)
{
    public int KvDim => KvHeads * HeadDim;
}
