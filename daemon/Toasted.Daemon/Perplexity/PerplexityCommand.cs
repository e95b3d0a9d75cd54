using System.Globalization;
using Toasted.Daemon.Hosting;
using Toasted.Engine.Evaluation;
using Toasted.Engine.Inference;

namespace Toasted.Daemon.Perplexity;

/// <summary>
/// `toasted perplexity`: llama-perplexity's measurement and its output lines, so the two can be
/// compared by eye or by script. Settings the text cannot satisfy are usage errors.
/// </summary>
public static class PerplexityCommand
{
    public static int Run(PerplexityArguments arguments, TextWriter output, TextWriter progress)
    {
        var options = new PerplexityOptions
        {
            ContextLength = arguments.ContextLength,
            BatchSize = arguments.BatchSize,
            MaxChunks = arguments.MaxChunks,
        };
        PerplexityRun run;
        int[] tokens;
        int chunks;
        using var model = LoadedModel.Load(arguments.ModelPath, new ModelLoadOptions { Threads = arguments.Threads });
        try
        {
            run = new PerplexityRun(model, options);
            tokens = run.Tokenize(PerplexityText.Read(arguments.TextPath));
            chunks = run.ChunkCount(tokens.Length);
        }
        catch (PerplexityInputException exception)
        {
            throw new UsageException(exception.Message);
        }

        if (arguments.ContextLength > model.Description.ContextLength)
            progress.WriteLine($"perplexity: the model was trained on only {model.Description.ContextLength} context tokens ({arguments.ContextLength} specified)");
        progress.WriteLine(Invariant($"perplexity: {tokens.Length} tokens; calculating perplexity over {chunks} chunks, n_ctx={arguments.ContextLength}, batch_size={Math.Min(arguments.BatchSize, arguments.ContextLength)}"));
        progress.Flush();

        var result = run.Run(tokens, chunk =>
        {
            if (chunk.Number == 1)
                progress.WriteLine(Invariant($"perplexity: {chunk.Elapsed.TotalSeconds:F2} seconds per pass - ETA {chunk.Elapsed.TotalMinutes * chunks:F2} minutes"));
            output.Write(Invariant($"[{chunk.Number}]{chunk.RunningPerplexity:F4},"));
            output.Flush();
        });
        output.WriteLine();

        if (result.Uncertainty is not { } uncertainty)
        {
            progress.WriteLine("perplexity: unexpected negative standard deviation of log(prob)");
            return 1;
        }
        output.WriteLine(Invariant($"Final estimate: PPL = {result.Perplexity:F4} +/- {uncertainty:F5}"));
        output.Flush();
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
