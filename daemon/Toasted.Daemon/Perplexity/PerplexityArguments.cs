using System.Globalization;
using Toasted.Daemon.Hosting;
using Toasted.Engine.Evaluation;

namespace Toasted.Daemon.Perplexity;

/// <summary>
/// `toasted perplexity` options, with llama-perplexity's flags and defaults so a figure from one
/// compares with the other: -c 512 tokens per chunk, -b 2048 tokens per batch, every chunk.
/// </summary>
public sealed record PerplexityArguments(string ModelPath, string TextPath, int ContextLength, int MaxChunks, int BatchSize, int Threads)
{
    public const int DefaultContextLength = 512;
    public const int DefaultBatchSize = 2048;

    public const string HelpText = """
        usage: toasted perplexity -m MODEL -f TEXT [-c N] [--chunks K] [-b N] [-t N]

        Perplexity of MODEL over the text file, computed as llama-perplexity computes it: the text
        is tokenized once (with BOS), cut into chunks of N tokens, each chunk evaluated from an empty
        cache with BOS as its first token, and only the second half of each chunk scored.
          -m, --model PATH      the GGUF file
          -f, --file PATH       the text (one trailing newline is dropped, as llama.cpp does)
          -c, --ctx-size N      tokens per chunk (default 512, at least 3; the text needs 2·N tokens)
              --chunks K        score at most K chunks (default: all)
          -b, --batch-size N    tokens per evaluation batch (default 2048; at most one chunk)
          -t, --threads N       compute threads (default: one per core)
        Prints the running estimate after each chunk ([1]X,[2]Y,…) and then
        `Final estimate: PPL = X +/- Y` on stdout; progress goes to stderr.
        """;

    public static PerplexityArguments Parse(IReadOnlyList<string> args)
    {
        string? model = null, text = null;
        int context = DefaultContextLength, chunks = 0, batch = DefaultBatchSize, threads = 0;
        for (int i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value");
            switch (name)
            {
                case "-m" or "--model": model = Value(); break;
                case "-f" or "--file": text = Value(); break;
                // Checked here as well as in the engine, so a bad -c fails before a large model is loaded.
                case "-c" or "--ctx-size": context = Integer(name, Value(), minimum: PerplexityOptions.MinContextLength); break;
                case "--chunks": chunks = Integer(name, Value(), minimum: 1); break;
                case "-b" or "--batch-size": batch = Integer(name, Value(), minimum: 1); break;
                case "-t" or "--threads": threads = Integer(name, Value(), minimum: 1); break;
                default: throw new UsageException($"unknown argument '{name}' (see toasted perplexity --help)");
            }
        }
        if (model is null) throw new UsageException("perplexity needs a model: -m PATH");
        if (text is null) throw new UsageException("perplexity needs a text file: -f PATH");
        if (!File.Exists(model)) throw new UsageException($"model file not found: {model}");
        if (!File.Exists(text)) throw new UsageException($"text file not found: {text}");
        return new PerplexityArguments(model, text, context, chunks, batch, threads);
    }

    private static int Integer(string name, string text, int minimum)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new UsageException($"{name} needs an integer of at least {minimum}, not '{text}'");
        return value;
    }
}
