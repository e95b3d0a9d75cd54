using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The code for one model family, in three fixed steps: read the hyper-parameters from metadata,
/// bind the weight tensors in a backend, and run the forward pass. Model code does not know the
/// weight format; it records ops into a compute step.
/// </summary>
public interface IArchitecture
{
    /// <summary>The GGUF <c>general.architecture</c> value this class implements.</summary>
    string Name { get; }

    TransformerHyperParameters HyperParameters { get; }

    void ReadHyperParameters(GgufMetadata metadata);

    void BindTensors(GgufFile file, IComputeBackend backend);

    /// <summary>Activation buffers for batches of up to <paramref name="maxTokens"/> tokens.</summary>
    ForwardScratch CreateScratch(IComputeBackend backend, int maxTokens);

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions firstPosition… through the model, storing their
    /// keys and values in <paramref name="cache"/>, and leaves the logits of the last
    /// <paramref name="logitRows"/> tokens in <c>scratch.Logits</c> rows 0….
    /// </summary>
    void Forward(IComputeStep step, ForwardScratch scratch, ReadOnlySpan<int> tokens, int firstPosition, KvCacheStorage cache, int logitRows);
}
