namespace Toasted.Engine.Compute;

/// <summary>
/// Causal multi-head attention with grouped KV heads: query head h reads KV head
/// h / (Heads / KvHeads). Scores are scaled by <see cref="Scale"/>; a <see cref="SlidingWindow"/>
/// above 0 limits each position to that many most recent positions, itself included.
/// </summary>
public sealed record AttentionParameters(int Heads, int KvHeads, int HeadDim, float Scale, int SlidingWindow = 0);
