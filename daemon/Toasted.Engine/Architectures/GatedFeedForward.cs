using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The pre-norm gated feed-forward sub-block: x += Down(act(Gate·n) ⊙ Up·n), n = RmsNorm(x), with
/// act SiLU (SwiGLU) or tanh GELU (GeGLU); gate and up from two projections or one fused and split;
/// the down projection RMS-normed before the residual add when the weights have that norm.
/// </summary>
public static class GatedFeedForward
{
    public static void Forward(IComputeStep step, FeedForwardWeights w, FeedForwardActivation activation, float rmsEpsilon,
        ComputeBuffer x, ForwardScratch scratch)
    {
        var n = x.Rows;
        var normed = scratch.Normed.Slice(0, n);       // (n, embd)
        var gate = scratch.Gate.Slice(0, n);           // (n, ff)
        var up = scratch.Up.Slice(0, n);               // (n, ff)
        var projected = scratch.Projected.Slice(0, n); // (n, embd)

        // Normalise, project to gate and up.
        step.RmsNorm(x, w.Norm, rmsEpsilon, normed);
        if (w.GateUp is not null)
        {
            var gateUp = (scratch.FusedGateUp ?? throw new InvalidOperationException("scratch has no fused-projection buffers"))
                .Slice(0, n); // (n, 2·ff)
            step.MatMul(w.GateUp, normed, gateUp);
            step.CopyColumns(gateUp, 0, gate);
            step.CopyColumns(gateUp, gate.Columns, up);
        }
        else
        {
            step.MatMuls(normed, (w.Gate!, gate), (w.Up!, up));
        }

        // gate ← act(gate) ⊙ up, then project back.
        switch (activation)
        {
            case FeedForwardActivation.Silu: step.SwiGlu(gate, up); break;
            case FeedForwardActivation.TanhGelu: step.GeGlu(gate, up); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
        step.MatMul(w.Down, gate, projected);

        // Gemma 3 normalises the block's output before it joins the residual stream.
        if (w.OutputNorm is not null)
        {
            step.RmsNorm(projected, w.OutputNorm, rmsEpsilon, normed);
            step.Add(x, normed);
        }
        else
        {
            step.Add(x, projected);
        }
    }
}
