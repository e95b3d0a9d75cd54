using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.ModelInfo;

/// <summary>`toasted info` options: one model file, and whether to answer in JSON.</summary>
public sealed record ModelInfoArguments(string ModelPath, bool Json)
{
    public const string HelpText = """
        usage: toasted info MODEL [--json]

        Describes a GGUF file from its header, without loading the weights: architecture, name,
        parameter count, file size, tensors by type (count and bytes), hyper-parameters, tokenizer,
        chat template, and whether this engine can run it (and if not, why).
              --json      one JSON object instead of text
        Exit 0 for any valid GGUF (runnable or not), 1 for a file that is not valid GGUF or cannot
        be read, 2 for a bad command line or a missing file.
        """;

    public static ModelInfoArguments Parse(IReadOnlyList<string> args)
    {
        string? model = null;
        var json = false;
        foreach (var argument in args)
        {
            switch (argument)
            {
                case "--json": json = true; break;
                case var flag when flag.StartsWith('-') && flag.Length > 1:
                    throw new UsageException($"unknown argument '{flag}' (see toasted info --help)");
                default:
                    if (model is not null) throw new UsageException("info takes one model file");
                    model = argument;
                    break;
            }
        }
        if (model is null) throw new UsageException("info needs a model file: toasted info MODEL");
        if (!File.Exists(model)) throw new UsageException($"model file not found: {model}");
        return new ModelInfoArguments(model, json);
    }
}
