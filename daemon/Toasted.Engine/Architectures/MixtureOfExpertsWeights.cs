using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// One block's mixture-of-experts tensors. The expert tensors are 3-D (GGUF [in, out, experts]):
/// expert e is the contiguous slab of rows [e·out, (e+1)·out). Shapes below are (rows, row length).
/// </summary>
public sealed record MixtureOfExpertsWeights(
    WeightTensor Norm,         // (embd)
    WeightTensor Router,       // (experts, embd), F32: llama-quantize never quantizes it
    WeightTensor GateExperts,  // (experts·expertFf, embd)
    WeightTensor UpExperts,    // (experts·expertFf, embd)
    WeightTensor DownExperts)  // (experts·embd, expertFf)
{
    public static MixtureOfExpertsWeights Bind(TensorBinder tensors, int layer, TransformerHyperParameters hp, MixtureOfExpertsParameters moe)
    {
        string Name(string tensor) => $"blk.{layer}.{tensor}";
        var embd = hp.EmbeddingLength;
        var ff = moe.ExpertFeedForwardLength;
        return new MixtureOfExpertsWeights(
            tensors.Bind(Name("ffn_norm.weight"), embd),
            tensors.Bind(Name("ffn_gate_inp.weight"), embd, moe.ExpertCount),
            tensors.Bind(Name("ffn_gate_exps.weight"), embd, ff, moe.ExpertCount),
            tensors.Bind(Name("ffn_up_exps.weight"), embd, ff, moe.ExpertCount),
            tensors.Bind(Name("ffn_down_exps.weight"), ff, embd, moe.ExpertCount));
    }
}
