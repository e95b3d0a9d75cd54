using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>The pre-norm SwiGLU feed-forward sub-block: x += Down(silu(Gate·n) ⊙ Up·n), n = RmsNorm(x).</summary>
public static class GatedFeedForward
{
    public static void Forward(IComputeStep step, FeedForwardWeights w, float rmsEpsilon, ComputeBuffer x, ForwardScratch scratch)
    {
        var n = x.Rows;
        var normed = scratch.Normed.Slice(0, n);       // (n, embd)
        var gate = scratch.Gate.Slice(0, n);           // (n, ff)
        var up = scratch.Up.Slice(0, n);               // (n, ff)
        var projected = scratch.Projected.Slice(0, n); // (n, embd)

        step.RmsNorm(x, w.Norm, rmsEpsilon, normed);
        step.MatMul(w.Gate, normed, gate);
        step.MatMul(w.Up, normed, up);
        step.SwiGlu(gate, up);
        step.MatMul(w.Down, gate, projected);
        step.Add(x, projected);
    }
}
