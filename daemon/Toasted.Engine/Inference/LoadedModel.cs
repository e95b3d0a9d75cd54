using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Inference;

/// <summary>
/// A model kept warm: the memory-mapped weights, the tokenizer and the architecture's forward pass.
/// Thread-safe to share; each concurrent generation uses its own <see cref="InferenceSession"/>.
/// </summary>
public sealed partial class LoadedModel : IDisposable
{
    public ModelDescription Description { get; private set; } = null!;
    public ITokenizer Tokenizer { get; private set; } = null!;

    public static LoadedModel Load(string path, ModelLoadOptions options) => throw new NotImplementedException();

    /// <summary>The prompt text for a conversation: the model's chat format, or the contents joined raw
    /// when the model has no template.</summary>
    public string FormatChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) => throw new NotImplementedException();

    /// <summary>A generation context with its own KV cache of <paramref name="contextLength"/> tokens (0: the model's).</summary>
    public InferenceSession CreateSession(int contextLength = 0) => throw new NotImplementedException();

    public void Dispose() { }
}
