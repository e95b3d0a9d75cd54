using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>The router's and the chosen experts' activations; k = experts used per token.</summary>
public sealed class ExpertScratch : IDisposable
{
    public ExpertScratch(IComputeBackend backend, int maxTokens, TransformerHyperParameters hp, MixtureOfExpertsParameters experts)
    {
        RouterLogits = backend.AllocateBuffer(maxTokens, experts.ExpertCount);
        ChosenIds = backend.AllocateBuffer(maxTokens, experts.ExpertsUsed);
        ChosenWeights = backend.AllocateBuffer(maxTokens, experts.ExpertsUsed);
        ChosenOutputs = backend.AllocateBuffer(maxTokens, experts.ExpertsUsed * hp.EmbeddingLength);
    }

    public ComputeBuffer RouterLogits { get; }  // (tokens, experts)
    public ComputeBuffer ChosenIds { get; }     // (tokens, k) expert index of each choice, as float
    public ComputeBuffer ChosenWeights { get; } // (tokens, k)
    public ComputeBuffer ChosenOutputs { get; } // (tokens, k·embd) each chosen expert's down projection

    public void Dispose()
    {
        foreach (var buffer in new[] { RouterLogits, ChosenIds, ChosenWeights, ChosenOutputs })
            (buffer as IDisposable)?.Dispose();
    }
}
