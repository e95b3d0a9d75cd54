using System.Buffers;
using System.Runtime.CompilerServices;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// llama.cpp's llm_tokenizer_bpe_session for one pre-token already written in the byte-level alphabet:
/// start from single characters, repeatedly merge the adjacent pair with the lowest merge rank (ties:
/// the leftmost pair), then look every final symbol up in the vocabulary. A symbol that is not a token
/// falls back to its ASCII characters' one-character tokens, and other characters are dropped, as in
/// llama.cpp. With ignore-merges (Llama 3), a pre-token that is itself a token is emitted whole.
/// </summary>
public sealed class BpeWordMerger
{
    private readonly Vocabulary _vocabulary;
    private readonly BpeMergeRanks _ranks;
    private readonly bool _ignoreMerges;

    public BpeWordMerger(Vocabulary vocabulary, BpeMergeRanks ranks, bool ignoreMerges)
    {
        _vocabulary = vocabulary;
        _ranks = ranks;
        _ignoreMerges = ignoreMerges;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Tokenize(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.IsEmpty)
            return;
        if (_ignoreMerges && _vocabulary.TryGetId(word, out var whole))
        {
            output.Add(whole);
            return;
        }

        // The alphabet is all in the Basic Multilingual Plane, so characters are the initial symbols.
        var symbols = ArrayPool<Symbol>.Shared.Rent(word.Length);
        var scratch = ArrayPool<char>.Shared.Rent(word.Length + 1);
        try
        {
            for (var i = 0; i < word.Length; i++)
                symbols[i] = new Symbol { Start = i, Length = 1, Previous = i - 1, Next = i + 1 == word.Length ? -1 : i + 1 };
            Merge(word, symbols, scratch);
            for (var i = 0; i != -1; i = symbols[i].Next)
                Emit(word.Slice(symbols[i].Start, symbols[i].Length), output);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(scratch);
            ArrayPool<Symbol>.Shared.Return(symbols);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Merge(ReadOnlySpan<char> word, Symbol[] symbols, char[] scratch)
    {
        var queue = new PriorityQueue<Pair, MergeOrder>(word.Length);
        for (var i = 1; i < word.Length; i++)
            TryAddPair(word, symbols, scratch, queue, i - 1, i);

        while (queue.TryDequeue(out var pair, out _))
        {
            ref var left = ref symbols[pair.Left];
            ref var right = ref symbols[pair.Right];

            // Stale entry: either side was merged away or has grown since the pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length != pair.LeftLength || right.Length != pair.RightLength)
                continue;

            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0)
                symbols[right.Next].Previous = pair.Left;

            TryAddPair(word, symbols, scratch, queue, left.Previous, pair.Left);
            TryAddPair(word, symbols, scratch, queue, pair.Left, left.Next);
        }
    }

    private void TryAddPair(ReadOnlySpan<char> word, Symbol[] symbols, char[] scratch, PriorityQueue<Pair, MergeOrder> queue, int left, int right)
    {
        if (left == -1 || right == -1)
            return;
        var leftSymbol = symbols[left];
        var rightSymbol = symbols[right];
        var rank = _ranks.Rank(word.Slice(leftSymbol.Start, leftSymbol.Length), word.Slice(rightSymbol.Start, rightSymbol.Length), scratch);
        if (rank == BpeMergeRanks.NotAMerge)
            return;
        queue.Enqueue(new Pair(left, right, leftSymbol.Length, rightSymbol.Length), new MergeOrder(rank, left));
    }

    private void Emit(ReadOnlySpan<char> symbol, List<int> output)
    {
        if (_vocabulary.TryGetId(symbol, out var id))
        {
            output.Add(id);
            return;
        }
        // llama.cpp looks each UTF-8 byte of the symbol up as a one-byte text: only ASCII can match.
        foreach (var c in symbol)
        {
            if (c < 0x80 && _vocabulary.TryGetId([c], out var single))
                output.Add(single);
        }
    }

    private struct Symbol
    {
        public int Start;
        public int Length;
        public int Previous;
        public int Next;
    }

    private readonly record struct Pair(int Left, int Right, int LeftLength, int RightLength);

    /// <summary>Lowest rank first, then the leftmost pair (llama.cpp's llm_bigram_bpe::comparator).</summary>
    private readonly record struct MergeOrder(int Rank, int Left) : IComparable<MergeOrder>
    {
        public int CompareTo(MergeOrder other) => Rank != other.Rank ? Rank.CompareTo(other.Rank) : Left.CompareTo(other.Left);
    }
}
