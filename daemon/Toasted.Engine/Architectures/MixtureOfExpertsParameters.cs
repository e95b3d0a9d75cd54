using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The shape of a mixture-of-experts feed-forward: <see cref="ExpertsUsed"/> of <see cref="ExpertCount"/>
/// SwiGLU experts of width <see cref="ExpertFeedForwardLength"/> per token; with
/// <see cref="NormaliseWeights"/> the chosen router probabilities are rescaled to sum to 1.
/// </summary>
public sealed record MixtureOfExpertsParameters(int ExpertCount, int ExpertsUsed, int ExpertFeedForwardLength, bool NormaliseWeights)
{
    /// <summary>Width of the gate/up activations of one token: one expert-width slice per choice.</summary>
    public int ChosenFeedForwardLength => ExpertsUsed * ExpertFeedForwardLength;

    public static MixtureOfExpertsParameters Read(GgufMetadata metadata, string architecture, bool normaliseWeights)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(architecture, suffix);
        var count = (int)metadata.GetInteger(Key(GgufKeys.ExpertCount));
        var used = (int)metadata.GetInteger(Key(GgufKeys.ExpertUsedCount));
        if (count <= 0 || used <= 0 || used > count)
            throw new InvalidDataException($"{used} experts used of {count}");
        return new MixtureOfExpertsParameters(count, used, (int)metadata.GetInteger(Key(GgufKeys.ExpertFeedForwardLength)), normaliseWeights);
    }
}
