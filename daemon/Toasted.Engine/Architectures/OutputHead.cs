using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>The end of every decoder: final RMS norm, the projection to vocabulary logits, and
/// final-logit soft-capping where the model has it.</summary>
public static class OutputHead
{
    /// <summary>Only the last <paramref name="logitRows"/> rows of <paramref name="x"/> go through the
    /// final norm and the vocabulary projection; their logits land in scratch.Logits rows 0….</summary>
    /// <param name="softCap">c of Gemma's final_logit_softcapping, mapping logits to tanh(x/c)·c;
    /// 0 leaves them as projected.</param>
    public static void Forward(IComputeStep step, WeightTensor outputNorm, WeightTensor output, float rmsEpsilon,
        ComputeBuffer x, ForwardScratch scratch, int logitRows, float softCap = 0f)
    {
        var last = x.Slice(x.Rows - logitRows, logitRows);         // (logitRows, embd)
        var lastNormed = scratch.Normed.Slice(0, logitRows);       // (logitRows, embd)
        var logits = scratch.Logits.Slice(0, logitRows);           // (logitRows, vocab)
        step.RmsNorm(last, outputNorm, rmsEpsilon, lastNormed);
        step.MatMul(output, lastNormed, logits);
        if (softCap > 0) step.SoftCap(logits, softCap);
    }
}
