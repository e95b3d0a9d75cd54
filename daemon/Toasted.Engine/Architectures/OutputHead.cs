using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>The end of every decoder: final RMS norm and the projection to vocabulary logits.</summary>
public static class OutputHead
{
    /// <summary>Only the last <paramref name="logitRows"/> rows of <paramref name="x"/> go through the
    /// final norm and the vocabulary projection; their logits land in scratch.Logits rows 0….</summary>
    public static void Forward(IComputeStep step, WeightTensor outputNorm, WeightTensor output, float rmsEpsilon,
        ComputeBuffer x, ForwardScratch scratch, int logitRows)
    {
        var last = x.Slice(x.Rows - logitRows, logitRows);         // (logitRows, embd)
        var lastNormed = scratch.Normed.Slice(0, logitRows);       // (logitRows, embd)
        step.RmsNorm(last, outputNorm, rmsEpsilon, lastNormed);
        step.MatMul(output, lastNormed, scratch.Logits.Slice(0, logitRows)); // (logitRows, vocab)
    }
}
