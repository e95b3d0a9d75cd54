using Toasted.Engine.Architectures;
using Toasted.Engine.Quantization;
using Toasted.Engine.Tokenization;

namespace Toasted.Daemon.ModelInfo;

/// <summary>
/// Why this engine could not run a model, judged from its header against the engine's own
/// registries (architectures, weight types, tokenizer families), so the answer follows the engine
/// as support is added. An empty list means nothing in the header stands in the way.
/// </summary>
public static class RunnabilityCheck
{
    public static IReadOnlyList<string> Reasons(string? architecture, IReadOnlyList<TensorTypeUsage> tensorTypes, string? tokenizerModel)
    {
        var reasons = new List<string>();
        if (architecture is null)
            reasons.Add("no architecture declared (general.architecture is missing)");
        else if (ArchitectureRegistry.Create(architecture) is null)
            reasons.Add($"architecture '{architecture}' is not supported (supported: {string.Join(", ", ArchitectureRegistry.Supported)})");

        if (tensorTypes.Count == 0)
            reasons.Add("the file holds no tensors (a vocabulary-only file)");
        foreach (var usage in tensorTypes.Where(u => !QuantTraitsTable.IsSupported(u.Type)))
            reasons.Add($"tensor type {usage.Type} ({usage.Count} tensor{(usage.Count == 1 ? "" : "s")}) is not supported");

        if (tokenizerModel is null)
            reasons.Add("no tokenizer declared (tokenizer.ggml.model is missing)");
        else if (!TokenizerFactory.SupportedModels.Contains(tokenizerModel))
            reasons.Add($"tokenizer model '{tokenizerModel}' is not supported (supported: {string.Join(", ", TokenizerFactory.SupportedModels)})");
        return reasons;
    }
}
