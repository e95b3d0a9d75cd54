using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// llama.cpp's llm_tokenizer_spm_session for one raw fragment: the text is split into code points,
/// then the adjacent pair whose concatenation is a vocabulary token with the highest score is merged,
/// repeatedly (ties: the leftmost pair). Symbols that are not tokens at the end fall back to
/// "&lt;0xXX&gt;" byte tokens. Runs in O(n log n) over a char buffer with span lookups; no substrings.
/// </summary>
public sealed class SpmBigramMerger
{
    private readonly Vocabulary _vocabulary;

    public SpmBigramMerger(Vocabulary vocabulary) => _vocabulary = vocabulary;

    /// <param name="text">The fragment, spaces not yet escaped.</param>
    /// <param name="prefixSpace">Put one U+2581 before the fragment (llama.cpp's space prefix).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Tokenize(ReadOnlySpan<char> text, bool prefixSpace, List<int> output)
    {
        var length = text.Length + (prefixSpace ? 1 : 0);
        if (length == 0)
            return;
        // Pooled: long inputs would otherwise put several large-object-heap arrays on every call.
        var buffer = ArrayPool<char>.Shared.Rent(length);
        var symbols = ArrayPool<Symbol>.Shared.Rent(length);
        try
        {
            var write = 0;
            if (prefixSpace)
                buffer[write++] = '\u2581';
            foreach (var c in text)
                buffer[write++] = c == ' ' ? '\u2581' : c;
            var count = SplitIntoCodePoints(buffer.AsSpan(0, length), symbols);
            Merge(buffer, symbols, count);
            for (var i = 0; i != -1; i = symbols[i].Next)
                Emit(buffer.AsSpan(symbols[i].Start, symbols[i].Length), output);
        }
        finally
        {
            ArrayPool<Symbol>.Shared.Return(symbols);
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    // Fully optimised from the first call: a long prompt is merged in one call, so waiting for
    // tiered compilation would leave its loops in unoptimised code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Merge(char[] buffer, Symbol[] symbols, int count)
    {
        var queue = new PriorityQueue<Bigram, MergeOrder>(count);
        for (var i = 1; i < count; i++)
            TryAddBigram(buffer, symbols, queue, i - 1, i);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref symbols[bigram.Left];
            ref var right = ref symbols[bigram.Right];

            // Stale entry: one side was merged away or grew since the pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Size)
                continue;

            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0)
                symbols[right.Next].Previous = bigram.Left;

            TryAddBigram(buffer, symbols, queue, left.Previous, bigram.Left);
            TryAddBigram(buffer, symbols, queue, bigram.Left, left.Next);
        }
    }

    /// <summary>One symbol per code point (a surrogate pair stays together), linked in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SplitIntoCodePoints(ReadOnlySpan<char> text, Symbol[] symbols)
    {
        var count = 0;
        var offset = 0;
        while (offset < text.Length)
        {
            var width = char.IsHighSurrogate(text[offset]) && offset + 1 < text.Length && char.IsLowSurrogate(text[offset + 1]) ? 2 : 1;
            symbols[count] = new Symbol { Start = offset, Length = width, Previous = count - 1, Next = offset + width == text.Length ? -1 : count + 1 };
            count++;
            offset += width;
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TryAddBigram(char[] buffer, Symbol[] symbols, PriorityQueue<Bigram, MergeOrder> queue, int left, int right)
    {
        if (left == -1 || right == -1)
            return;
        var size = symbols[left].Length + symbols[right].Length;
        if (!_vocabulary.TryGetId(buffer.AsSpan(symbols[left].Start, size), out var id))
            return;
        var bigram = new Bigram(left, right, _vocabulary.Score(id), size);
        queue.Enqueue(bigram, new MergeOrder(bigram.Score, left));
    }

    /// <summary>
    /// A final symbol is either a token or a single code point (merges only ever produce tokens), so
    /// llama.cpp's recursive re-segmentation reduces to: the token, else its UTF-8 bytes as byte tokens.
    /// </summary>
    private void Emit(ReadOnlySpan<char> symbol, List<int> output)
    {
        if (_vocabulary.TryGetId(symbol, out var id))
        {
            output.Add(id);
            return;
        }
        Span<byte> bytes = stackalloc byte[8];
        var count = Encoding.UTF8.GetBytes(symbol, bytes);
        for (var i = 0; i < count; i++)
        {
            var byteToken = _vocabulary.ByteToken(bytes[i]);
            // llama.cpp aborts when the vocabulary has no token for the byte; the unknown token is the
            // graceful equivalent.
            output.Add(byteToken != Vocabulary.NoToken ? byteToken : _vocabulary.UnknownId);
        }
    }

    private struct Symbol
    {
        public int Start;
        public int Length;
        public int Previous;
        public int Next;
    }

    private readonly record struct Bigram(int Left, int Right, float Score, int Size);

    /// <summary>Highest score first, then the leftmost pair (llama.cpp's llm_bigram_spm::comparator).
    /// A struct key so the queue compares without interface dispatch.</summary>
    private readonly record struct MergeOrder(float Score, int Left) : IComparable<MergeOrder>
    {
        public int CompareTo(MergeOrder other)
        {
            if (Score != other.Score)
                return Score > other.Score ? -1 : 1;
            return Left.CompareTo(other.Left);
        }
    }
}
