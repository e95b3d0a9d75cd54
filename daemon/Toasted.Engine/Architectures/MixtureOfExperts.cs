using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The pre-norm mixture-of-experts feed-forward sub-block: the router scores every expert, each row
/// keeps its top-k by softmax probability, runs the chosen experts' SwiGLU FFNs and adds their outputs,
/// weighted by those probabilities (renormalised over the chosen when the architecture says so), to
/// the residual stream. Decode reads only the chosen experts' weights.
/// </summary>
public static class MixtureOfExperts
{
    public static void Forward(IComputeStep step, MixtureOfExpertsWeights w, MixtureOfExpertsParameters moe, float rmsEpsilon,
        ComputeBuffer x, ForwardScratch scratch)
    {
        var n = x.Rows;
        var buffers = scratch.Experts ?? throw new InvalidOperationException("scratch has no mixture-of-experts buffers");
        var normed = scratch.Normed.Slice(0, n);               // (n, embd)
        var routerLogits = buffers.RouterLogits.Slice(0, n);   // (n, experts)
        var ids = buffers.ChosenIds.Slice(0, n);               // (n, k) expert index per choice
        var weights = buffers.ChosenWeights.Slice(0, n);       // (n, k)
        var gate = scratch.Gate.Slice(0, n);                   // (n, k·expertFf)
        var up = scratch.Up.Slice(0, n);                       // (n, k·expertFf)
        var outputs = buffers.ChosenOutputs.Slice(0, n);       // (n, k·embd)
        var projected = scratch.Projected.Slice(0, n);         // (n, embd)

        step.RmsNorm(x, w.Norm, rmsEpsilon, normed);
        step.MatMul(w.Router, normed, routerLogits);
        step.SelectExperts(routerLogits, moe.NormaliseWeights, ids, weights);
        step.MatMulExperts(w.GateExperts, normed, ids, gate);
        step.MatMulExperts(w.UpExperts, normed, ids, up);
        step.SwiGlu(gate, up);
        step.MatMulExperts(w.DownExperts, gate, ids, outputs);
        step.WeightedSumExperts(outputs, weights, projected);
        step.Add(x, projected);
    }
}
