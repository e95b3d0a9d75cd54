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
    public void Tokenize(ReadOnlySpan<char> text, bool prefixSpace, List<int> output)
    {
        var length = text.Length + (prefixSpace ? 1 : 0);
        if (length == 0)
            return;
        var buffer = new char[length];
        var write = 0;
        if (prefixSpace)
            buffer[write++] = '\u2581';
        foreach (var c in text)
            buffer[write++] = c == ' ' ? '\u2581' : c;

        var symbols = SplitIntoCodePoints(buffer);
        var queue = new PriorityQueue<Bigram, MergeOrder>(symbols.Length);
        for (var i = 1; i < symbols.Length; i++)
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

        for (var i = 0; i != -1; i = symbols[i].Next)
            Emit(buffer.AsSpan(symbols[i].Start, symbols[i].Length), output);
    }

    private static Symbol[] SplitIntoCodePoints(char[] buffer)
    {
        var symbols = new List<Symbol>(buffer.Length);
        var offset = 0;
        while (offset < buffer.Length)
        {
            var width = char.IsHighSurrogate(buffer[offset]) && offset + 1 < buffer.Length && char.IsLowSurrogate(buffer[offset + 1]) ? 2 : 1;
            var index = symbols.Count;
            symbols.Add(new Symbol { Start = offset, Length = width, Previous = index - 1, Next = offset + width == buffer.Length ? -1 : index + 1 });
            offset += width;
        }
        return symbols.ToArray();
    }

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
