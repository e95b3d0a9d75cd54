namespace Toasted.Engine.Tokenization;

/// <summary>
/// llama.cpp's tokenizer_st_partition: before any model-specific splitting, the texts of special
/// tokens found in the input become those tokens. Tokens are tried longest first; each one splits
/// every remaining raw fragment at all of its occurrences, left to right. With parse_special false,
/// CONTROL and UNKNOWN tokens are skipped but USER_DEFINED ones are still matched (as Hugging Face
/// tokenizers pre-split added tokens). LSTRIP/RSTRIP tokens eat the C-locale whitespace next to them.
/// </summary>
public static class SpecialTokenPartitioner
{
    public static List<TextFragment> Partition(Vocabulary vocabulary, string text, bool parseSpecial)
    {
        var fragments = new List<TextFragment>();
        if (text.Length == 0)
            return fragments;
        fragments.Add(TextFragment.Raw(0, text.Length));
        var next = new List<TextFragment>();

        foreach (var id in vocabulary.SpecialTokensLongestFirst)
        {
            var attributes = vocabulary.Attributes(id);
            if (!parseSpecial && (attributes & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0)
                continue;

            var special = vocabulary.Text(id);
            if (!AnyRawFragmentContains(fragments, text, special))
                continue;

            next.Clear();
            foreach (var fragment in fragments)
            {
                if (fragment.IsToken)
                    next.Add(fragment);
                else
                    Split(text, fragment, id, special, attributes, next);
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    // Checked first so that the common case (token absent) does not rebuild the fragment list.
    private static bool AnyRawFragmentContains(List<TextFragment> fragments, string text, string special)
    {
        foreach (var fragment in fragments)
        {
            if (!fragment.IsToken && fragment.Length >= special.Length
                && text.AsSpan(fragment.Start, fragment.Length).IndexOf(special.AsSpan(), StringComparison.Ordinal) >= 0)
                return true;
        }
        return false;
    }

    private static void Split(string text, TextFragment fragment, int id, string special, TokenAttributes attributes, List<TextFragment> output)
    {
        var offset = fragment.Start;
        var length = fragment.Length;
        while (length > 0)
        {
            var found = length >= special.Length
                ? text.AsSpan(offset, length).IndexOf(special.AsSpan(), StringComparison.Ordinal)
                : -1;
            if (found < 0)
            {
                output.Add(TextFragment.Raw(offset, length));
                return;
            }

            var leftLength = found;
            if ((attributes & TokenAttributes.LeftStrip) != 0)
            {
                while (leftLength > 0 && IsCSpace(text[offset + leftLength - 1]))
                    leftLength--;
            }
            if (leftLength > 0)
                output.Add(TextFragment.Raw(offset, leftLength));

            output.Add(TextFragment.Token(id));

            var rightStart = offset + found + special.Length;
            var rightLength = offset + length - rightStart;
            if ((attributes & TokenAttributes.RightStrip) != 0)
            {
                while (rightLength > 0 && IsCSpace(text[rightStart]))
                {
                    rightStart++;
                    rightLength--;
                }
            }
            offset = rightStart;
            length = rightLength;
        }
    }

    /// <summary>C's isspace in the "C" locale, which llama.cpp applies byte by byte.</summary>
    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
