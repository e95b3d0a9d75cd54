using Toasted.Engine.Architectures;
using Toasted.Engine.ChatTemplates;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Gguf;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Inference;

/// <summary>
/// A model kept warm: the memory-mapped weights bound in a backend, the tokenizer and the
/// architecture's forward pass. Safe to share between threads; each concurrent generation uses its
/// own <see cref="InferenceSession"/>, and their forward steps take turns on the backend.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    /// <summary>Context used when neither the caller nor the file asks for less: enough for real
    /// work without reserving a 128K-token KV cache for every session.</summary>
    public const int DefaultContextCap = 4096;

    private readonly GgufFile _file;
    private readonly IComputeBackend _backend;
    private readonly ChatFormat _chatFormat;
    private readonly int _defaultContext;

    private LoadedModel(GgufFile file, IComputeBackend backend, IArchitecture architecture, ITokenizer tokenizer, int defaultContext)
    {
        _file = file;
        _backend = backend;
        Architecture = architecture;
        Tokenizer = tokenizer;
        _defaultContext = defaultContext;
        var template = file.Metadata.GetStringOrNull(GgufKeys.ChatTemplate);
        _chatFormat = ChatFormat.FromTemplate(template, ChatTemplateContext.ForTokenizer(tokenizer));
        var hp = architecture.HyperParameters;
        Description = new ModelDescription(
            file.Path,
            file.Metadata.GetStringOrNull(GgufKeys.Name) ?? Path.GetFileNameWithoutExtension(file.Path),
            architecture.Name,
            hp.ContextLength,
            hp.VocabSize,
            file.Tensors.Sum(t => t.ElementCount),
            template);
    }

    public ModelDescription Description { get; }
    public ITokenizer Tokenizer { get; }
    public IArchitecture Architecture { get; }
    public IComputeBackend Backend => _backend;

    /// <summary>When set, every forward step's ops are timed into it (see <see cref="ProfilingComputeStep"/>).</summary>
    public OperationProfile? Profile { get; set; }

    /// <summary>A step on the backend, timed per op when <see cref="Profile"/> is set.</summary>
    internal IComputeStep BeginStep() =>
        Profile is { } profile ? new ProfilingComputeStep(_backend.BeginStep(), profile) : _backend.BeginStep();

    /// <summary>Forward steps of all sessions of this model take this lock in turn.</summary>
    internal object ComputeLock { get; } = new();

    /// <summary>
    /// Opens, validates and binds a model. Raises <see cref="GgufFormatException"/> for a malformed
    /// file and <see cref="ModelLoadException"/> for a well-formed one this engine cannot run.
    /// </summary>
    public static LoadedModel Load(string path, ModelLoadOptions options)
    {
        if (!File.Exists(path))
            throw new ModelLoadException(path, "file not found");
        var progress = options.Progress;
        progress?.Report(new ModelLoadProgress(ModelLoadPhases.Open, 0, 1));
        var file = GgufFile.Open(path);
        IComputeBackend? backend = null;
        try
        {
            var archName = file.Metadata.GetStringOrNull(GgufKeys.Architecture)
                ?? throw new ModelLoadException(path, $"metadata key '{GgufKeys.Architecture}' is missing");
            var architecture = ArchitectureRegistry.Create(archName)
                ?? throw new ModelLoadException(path, $"architecture '{archName}' is not supported (supported: {string.Join(", ", ArchitectureRegistry.Supported)})");
            try
            {
                architecture.ReadHyperParameters(file.Metadata);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidDataException or InvalidCastException)
            {
                throw new ModelLoadException(path, e.Message);
            }
            progress?.Report(new ModelLoadProgress(ModelLoadPhases.Tokenizer, 0, 1));
            ITokenizer tokenizer;
            try
            {
                tokenizer = TokenizerFactory.FromGguf(file.Metadata);
            }
            catch (Exception e) when (e is NotSupportedException or KeyNotFoundException or InvalidDataException)
            {
                throw new ModelLoadException(path, "tokenizer: " + e.Message);
            }
            backend = new CpuBackend(options.Threads);
            var tensorCount = file.Tensors.Count;
            progress?.Report(new ModelLoadProgress(ModelLoadPhases.BindTensors, 0, tensorCount));
            architecture.BindTensors(file, progress is null ? backend : new ProgressReportingBackend(backend, tensorCount, progress));
            // Some files carry tensors no architecture binds; the phase still ends complete.
            progress?.Report(new ModelLoadProgress(ModelLoadPhases.BindTensors, tensorCount, tensorCount));
            var context = options.ContextLength > 0
                ? options.ContextLength
                : Math.Min(architecture.HyperParameters.ContextLength, DefaultContextCap);
            return new LoadedModel(file, backend, architecture, tokenizer, context);
        }
        catch
        {
            backend?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>The context length sessions get by default.</summary>
    public int DefaultContextLength => _defaultContext;

    /// <summary>
    /// The prompt text for a conversation: the model's own chat template rendered as llama.cpp renders
    /// it (raw text when the file has none). A template that fails raises <see cref="ChatTemplateException"/>.
    /// </summary>
    public string FormatChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
        _chatFormat.Render(messages, addGenerationPrompt);

    /// <summary>The chat format in use: "template" (the file's own chat template) or "raw" (the file has none).</summary>
    public string ChatFormatName => _chatFormat.Name;

    /// <summary>A generation context with its own KV cache of <paramref name="contextLength"/> tokens (0: the default).</summary>
    public InferenceSession CreateSession(int contextLength = 0) =>
        new(this, contextLength > 0 ? contextLength : _defaultContext);

    public void Dispose()
    {
        _backend.Dispose();
        _file.Dispose();
    }
}
