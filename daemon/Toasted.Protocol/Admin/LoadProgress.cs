namespace Toasted.Protocol.Admin;

/// <summary>How far loading is: <see cref="Done"/> of <see cref="Total"/> units of <see cref="Phase"/>
/// (<c>open</c>, <c>tokenizer</c>, <c>bind_tensors</c> counted in tensors, <c>session</c>).</summary>
public sealed class LoadProgress
{
    public string Phase { get; set; } = "";
    public int Done { get; set; }
    public int Total { get; set; }
}
