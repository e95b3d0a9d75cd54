using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// The merge table of a BPE vocabulary (<c>tokenizer.ggml.merges</c>): "left right" entries whose index
/// is their rank, lower merging first. A pair listed twice keeps its first rank, as in llama.cpp.
/// Lookups take the two symbols as spans and build no strings.
/// </summary>
public sealed class BpeMergeRanks
{
    public const int NotAMerge = -1;

    private readonly Dictionary<string, int> _ranks;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ranksBySpan;

    public BpeMergeRanks(IReadOnlyList<string> merges)
    {
        _ranks = new Dictionary<string, int>(merges.Count, StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            // The separator is the first space after the first character, so a merge may start with a space.
            var merge = merges[rank];
            if (merge.Length > 1 && merge.IndexOf(' ', 1) > 0)
                _ranks.TryAdd(merge, rank);
        }
        _ranksBySpan = _ranks.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _ranks.Count;

    public static BpeMergeRanks FromGguf(GgufMetadata metadata)
    {
        var merges = metadata.GetArrayOrNull(GgufKeys.TokenizerMerges)?.Items as string[]
            ?? throw new InvalidDataException($"GGUF metadata '{GgufKeys.TokenizerMerges}' is missing or not a string array");
        return new BpeMergeRanks(merges);
    }

    /// <summary>The rank of merging <paramref name="left"/> with <paramref name="right"/>, or <see cref="NotAMerge"/>.</summary>
    /// <param name="scratch">Room for both symbols and the separator; reused between calls.</param>
    public int Rank(ReadOnlySpan<char> left, ReadOnlySpan<char> right, Span<char> scratch)
    {
        var length = left.Length + 1 + right.Length;
        left.CopyTo(scratch);
        scratch[left.Length] = ' ';
        right.CopyTo(scratch[(left.Length + 1)..]);
        return _ranksBySpan.TryGetValue(scratch[..length], out var rank) ? rank : NotAMerge;
    }
}
