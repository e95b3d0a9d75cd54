using System.Globalization;
using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Benchmarking;

/// <summary>
/// `toasted bench` options, with llama-bench's flags and meaning so rows compare one to one:
/// comma-separated lists, one test per prompt size (prefill) and per generation length (decode),
/// each at every depth.
/// </summary>
public sealed record BenchOptions(
    IReadOnlyList<string> Models,
    IReadOnlyList<int> PromptSizes,
    IReadOnlyList<int> GenerationLengths,
    IReadOnlyList<int> Depths,
    int Repetitions,
    IReadOnlyList<int> Threads,
    BenchOutput Output,
    bool Profile = false)
{
    public const string HelpText = """
        usage: toasted bench -m MODEL[,MODEL…] [-p N,…] [-n N,…] [-d N,…] [-r N] [-t N,…] [-o md|json|jsonl]

        Measures prefill and decode tokens/s as llama-bench does (same flags, same meaning):
          -m, --model PATH     GGUF file(s)
          -p, --n-prompt N     prompt sizes for prefill tests (default 512; 0 for none)
          -n, --n-gen N        generation lengths for decode tests (default 128; 0 for none)
          -d, --n-depth N      tokens already in the KV cache before the timed part (default 0)
          -r, --repetitions N  timed repetitions per test (default 5), reported as mean ± stddev
          -t, --threads N      compute threads (default: one per core)
          -o, --output FORMAT  md (a table), json (an array) or jsonl (one object per line)
              --profile        after each test, the wall time per kind of op on stderr
        A warm-up run precedes each test and is not timed.
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var models = new List<string>();
        IReadOnlyList<int> prompts = [512], generations = [128], depths = [0], threads = [Environment.ProcessorCount];
        var repetitions = 5;
        var output = BenchOutput.Markdown;
        var profile = false;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "-m" or "--model": models.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "-p" or "--n-prompt": prompts = Integers(args[i], Value()); break;
                case "-n" or "--n-gen": generations = Integers(args[i], Value()); break;
                case "-d" or "--n-depth": depths = Integers(args[i], Value()); break;
                case "-r" or "--repetitions": repetitions = Integers(args[i], Value()).Single(); break;
                case "-t" or "--threads": threads = Integers(args[i], Value()); break;
                case "--profile": profile = true; break;
                case "-o" or "--output":
                    output = Value() switch
                    {
                        "md" => BenchOutput.Markdown,
                        "json" => BenchOutput.Json,
                        "jsonl" => BenchOutput.JsonLines,
                        var other => throw new UsageException($"unknown output format '{other}' (md, json, jsonl)"),
                    };
                    break;
                default: throw new UsageException($"unknown argument '{args[i]}' (see toasted bench --help)");
            }
        }
        if (models.Count == 0) throw new UsageException("bench needs a model: -m PATH");
        if (repetitions < 1) throw new UsageException("-r needs at least 1");
        if (threads.Any(t => t < 1)) throw new UsageException("-t needs positive thread counts");
        return new BenchOptions(models, prompts, generations, depths, repetitions, threads, output, profile);
    }

    private static int[] Integers(string name, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!int.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
                throw new UsageException($"{name} needs non-negative integers, not '{text}'");
        }
        return result;
    }
}

public enum BenchOutput { Markdown, Json, JsonLines }
