using System.Diagnostics;
using Toasted.Engine.Architectures;
using Toasted.Engine.Compute;
using Toasted.Engine.Sampling;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Inference;

/// <summary>
/// One sequence's state: its KV cache and the tokens the cache holds. A new prompt that shares a
/// prefix with those tokens skips recomputing it. Not thread-safe: one generation at a time.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    /// <summary>Tokens per prefill step (llama.cpp's default micro-batch): bounds scratch memory and the latency of cancellation.</summary>
    public const int MaxBatch = 512;

    private readonly LoadedModel _model;
    private readonly KvCacheStorage _cache;
    private readonly ForwardScratch _scratch;
    private readonly List<int> _tokens = new();

    internal InferenceSession(LoadedModel model, int contextLength)
    {
        _model = model;
        ContextLength = contextLength;
        var hp = model.Architecture.HyperParameters;
        _cache = model.Backend.AllocateKvCache(new KvCacheShape(hp.Layers, hp.KvHeads, hp.HeadDim, contextLength));
        _scratch = model.Architecture.CreateScratch(model.Backend, Math.Min(MaxBatch, contextLength));
    }

    public int ContextLength { get; }

    /// <summary>The tokens whose keys and values are in the cache, in order.</summary>
    public IReadOnlyList<int> CachedTokens => _tokens;

    /// <summary>Forgets cached tokens from <paramref name="length"/> on.</summary>
    public void Truncate(int length)
    {
        if (length < _tokens.Count) _tokens.RemoveRange(length, _tokens.Count - length);
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> to the sequence and returns their logits, one row of
    /// VocabSize per token when <paramref name="allLogits"/>, else only the last token's.
    /// </summary>
    public float[] Evaluate(ReadOnlySpan<int> tokens, bool allLogits, CancellationToken cancellationToken = default) =>
        Evaluate(tokens, allLogits, onBatchDone: null, cancellationToken);

    /// <summary>
    /// As above, calling <paramref name="onBatchDone"/> with the number of tokens in the cache after
    /// each batch. With a cancellable token, a batch stops between ops (and inside attention) once it
    /// is cancelled: the sequence then keeps only the batches that completed.
    /// </summary>
    public float[] Evaluate(ReadOnlySpan<int> tokens, bool allLogits, Action<int>? onBatchDone, CancellationToken cancellationToken)
    {
        if (tokens.IsEmpty) throw new ArgumentException("nothing to evaluate", nameof(tokens));
        if (_tokens.Count + tokens.Length > ContextLength)
            throw new ContextOverflowException(_tokens.Count + tokens.Length, 0, ContextLength);
        var vocab = _model.Architecture.HyperParameters.VocabSize;
        var result = new float[(allLogits ? tokens.Length : 1) * vocab];
        for (int start = 0; start < tokens.Length; start += _scratch.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = tokens.Slice(start, Math.Min(_scratch.MaxTokens, tokens.Length - start));
            var isLast = start + chunk.Length == tokens.Length;
            var logitRows = allLogits ? chunk.Length : isLast ? 1 : 0;
            RunStep(chunk, logitRows, cancellationToken);
            if (logitRows > 0)
            {
                var destination = allLogits ? result.AsSpan(start * vocab, chunk.Length * vocab) : result.AsSpan();
                _scratch.Logits.Slice(0, logitRows).CopyTo(destination);
            }
            onBatchDone?.Invoke(_tokens.Count);
        }
        return result;
    }

    private void RunStep(ReadOnlySpan<int> chunk, int logitRows, CancellationToken cancellationToken)
    {
        lock (_model.ComputeLock)
        {
            // Only a cancellable step pays for the per-op checks; decode passes no token.
            using var step = cancellationToken.CanBeCanceled
                ? new CancellableComputeStep(_model.BeginStep(), cancellationToken)
                : _model.BeginStep();
            // Every step computes at least one logits row; the architecture projects only those.
            _model.Architecture.Forward(step, _scratch, chunk, _tokens.Count, _cache, Math.Max(1, logitRows));
            step.Submit();
        }
        // A step cut short by cancellation throws above: its half-written cache rows lie beyond the
        // sequence's end and are overwritten by the next step.
        foreach (var t in chunk) _tokens.Add(t);
    }

    /// <summary>
    /// Runs the prompt, then samples until a stop condition, calling <paramref name="onText"/> with
    /// each complete piece of UTF-8 text as it is produced. Raises <see cref="ContextOverflowException"/>
    /// before any compute when the prompt (plus an explicit MaxTokens) does not fit; cancellation ends
    /// with <see cref="StopReason.Cancelled"/>, during prefill within one op of the forward pass.
    /// <paramref name="onPrefillProgress"/>, when given, hears (tokens done, prompt tokens) after each
    /// prefill batch, the reused cached prefix counted as done.
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<string> onText, CancellationToken cancellationToken) =>
        Generate(prompt, options, onText, onPrefillProgress: null, cancellationToken);

    /// <inheritdoc cref="Generate(IReadOnlyList{int}, GenerationOptions, Action{string}, CancellationToken)"/>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<string> onText,
        Action<int, int>? onPrefillProgress, CancellationToken cancellationToken)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(prompt));
        // The prompt must leave room for at least one new token, and for all of an explicit MaxTokens.
        if (prompt.Count + Math.Max(1, options.MaxTokens) > ContextLength)
            throw new ContextOverflowException(prompt.Count, options.MaxTokens, ContextLength);

        var tokenizer = _model.Tokenizer;
        var sampler = new Sampler(options.Sampling);
        var detokenizer = new StreamingDetokenizer(tokenizer, continuesText: options.ContinuesPrompt);
        var stops = new StopStringMatcher(options.Stop);
        var history = new List<int>(prompt);
        var clock = Stopwatch.StartNew();

        // Reuse the cached prefix; the last prompt token always runs again to produce fresh logits.
        var reused = 0;
        while (reused < prompt.Count - 1 && reused < _tokens.Count && _tokens[reused] == prompt[reused]) reused++;
        Truncate(reused);
        float[] logits;
        try
        {
            Action<int>? onBatchDone = onPrefillProgress is null ? null : done => onPrefillProgress(done, prompt.Count);
            logits = Evaluate(prompt.Skip(reused).ToArray(), allLogits: false, onBatchDone, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return new GenerationResult(StopReason.Cancelled, prompt.Count, 0, clock.Elapsed.TotalMilliseconds, 0) { PrefilledTokens = _tokens.Count };
        }
        var prefillMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();

        var generated = 0;
        StopReason reason;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            var token = sampler.Sample(logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(history));
            if (tokenizer.IsEndOfGeneration(token)) { reason = StopReason.End; break; }
            generated++;
            history.Add(token);
            var text = stops.Append(detokenizer.Push(token));
            if (text.Length > 0) onText(text);
            if (stops.Stopped) { reason = StopReason.Stop; break; }
            if (options.MaxTokens > 0 && generated >= options.MaxTokens) { reason = StopReason.MaxTokens; break; }
            // The sampled token needs no cache slot of its own: prompt plus generated tokens fill the context exactly.
            if (_tokens.Count + 1 >= ContextLength) { reason = StopReason.ContextFull; break; }
            logits = Evaluate([token], allLogits: false);
        }
        if (reason != StopReason.Stop && reason != StopReason.Cancelled)
        {
            var rest = stops.Append(detokenizer.Flush()) + stops.Flush();
            if (rest.Length > 0) onText(rest);
        }
        return new GenerationResult(reason, prompt.Count, generated, prefillMs, clock.Elapsed.TotalMilliseconds) { PrefilledTokens = prompt.Count };
    }

    public void Dispose()
    {
        _cache.Dispose();
        _scratch.Dispose();
    }
}
