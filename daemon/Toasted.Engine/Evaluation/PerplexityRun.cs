using System.Diagnostics;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Evaluation;

/// <summary>
/// Perplexity of a model over a text, measured the way llama.cpp's <c>llama-perplexity</c> does so
/// the figures compare one to one:
/// <list type="number">
/// <item>the whole text is tokenized once, with BOS when the model adds it;</item>
/// <item>the tokens are cut into consecutive chunks of n_ctx (a partial last chunk is dropped, and at
/// least two chunks' worth of tokens are required);</item>
/// <item>each chunk runs from an empty KV cache at positions 0…n_ctx−1, its first token replaced by
/// BOS when the model adds BOS, in batches of at most the batch size;</item>
/// <item>only the second half is scored: the logits at positions n_ctx/2 … n_ctx−2 predict the next
/// token, so every scored token has at least n_ctx/2 tokens of context.</item>
/// </list>
/// </summary>
public sealed class PerplexityRun
{
    private readonly LoadedModel _model;
    private readonly PerplexityOptions _options;

    public PerplexityRun(LoadedModel model, PerplexityOptions options)
    {
        if (options.ContextLength < PerplexityOptions.MinContextLength)
            throw new PerplexityInputException(
                $"a context of {options.ContextLength} tokens scores nothing: it needs at least {PerplexityOptions.MinContextLength} (n_ctx/2 tokens of context, then the scored ones)");
        if (options.BatchSize < 1)
            throw new PerplexityInputException($"the batch size must be at least 1, not {options.BatchSize}");
        if (options.MaxChunks < 0)
            throw new PerplexityInputException($"the chunk limit must not be negative, not {options.MaxChunks}");
        // An EOS appended to the text would be scored as if the text ended there; llama.cpp refuses such models too.
        if (model.Tokenizer.AddEos)
            throw new PerplexityInputException("the model's tokenizer appends EOS to every text, which this measurement does not allow");
        _model = model;
        _options = options;
    }

    /// <summary>The text's tokens as llama-perplexity sees them: special tokens added (BOS), control-token text kept as text.</summary>
    public int[] Tokenize(string text) => _model.Tokenizer.Encode(text, addSpecial: true, parseSpecial: false);

    /// <summary>How many chunks a text of <paramref name="tokenCount"/> tokens gives; raises
    /// <see cref="PerplexityInputException"/> when it is shorter than two contexts, as llama.cpp refuses it.</summary>
    public int ChunkCount(int tokenCount)
    {
        var context = _options.ContextLength;
        if (tokenCount < 2 * context)
            throw new PerplexityInputException(
                $"the text tokenizes to only {tokenCount} tokens; a context of {context} needs at least {2 * context} (use a smaller -c or a longer text)");
        var whole = tokenCount / context;
        return _options.MaxChunks > 0 ? Math.Min(_options.MaxChunks, whole) : whole;
    }

    public PerplexityResult Run(string text, Action<PerplexityChunkResult>? onChunk = null, CancellationToken cancellationToken = default) =>
        Run(Tokenize(text), onChunk, cancellationToken);

    public PerplexityResult Run(IReadOnlyList<int> tokens, Action<PerplexityChunkResult>? onChunk = null, CancellationToken cancellationToken = default)
    {
        var context = _options.ContextLength;
        var chunks = ChunkCount(tokens.Count);
        var batch = Math.Min(_options.BatchSize, context);
        var firstScored = context / 2;
        var vocab = _model.Architecture.HyperParameters.VocabSize;
        var tokenizer = _model.Tokenizer;

        var estimate = new PerplexityEstimate();
        var running = new List<double>(chunks);
        var chunkTokens = new int[context];
        using var session = _model.CreateSession(context);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < context; i++) chunkTokens[i] = tokens[chunk * context + i];
            // Every chunk stands alone, starting as a document does.
            if (tokenizer.AddBos) chunkTokens[0] = tokenizer.BosId;
            session.Truncate(0);

            for (int start = 0; start < context; start += batch)
            {
                var length = Math.Min(batch, context - start);
                var end = start + length;
                var batchTokens = chunkTokens.AsSpan(start, length);
                // A batch wholly inside the unscored first half only fills the cache.
                if (end <= firstScored)
                {
                    session.Evaluate(batchTokens, allLogits: false, cancellationToken);
                    continue;
                }
                var logits = session.Evaluate(batchTokens, allLogits: true, cancellationToken);
                // The row at position p predicts the token at p + 1; the last position predicts nothing in the chunk.
                for (int position = Math.Max(start, firstScored); position < Math.Min(end, context - 1); position++)
                {
                    var row = logits.AsSpan((position - start) * vocab, vocab);
                    estimate.Add(TokenLogLikelihood.Negative(row, chunkTokens[position + 1]));
                }
            }

            running.Add(estimate.Perplexity);
            onChunk?.Invoke(new PerplexityChunkResult(chunk + 1, estimate.Perplexity, clock.Elapsed));
        }
        return new PerplexityResult(tokens.Count, context, estimate.Count, running, estimate.Perplexity, estimate.Uncertainty);
    }
}
