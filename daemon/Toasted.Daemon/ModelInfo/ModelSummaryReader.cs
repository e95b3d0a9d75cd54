using Toasted.Engine.Gguf;

namespace Toasted.Daemon.ModelInfo;

/// <summary>
/// Builds a <see cref="ModelSummary"/> from an open GGUF file. It reads metadata by key with no
/// architecture code, so it works for families the engine does not implement, and a value of an
/// unexpected type is reported as absent rather than failing the whole summary.
/// </summary>
public static class ModelSummaryReader
{
    public static ModelSummary Read(GgufFile file)
    {
        var metadata = file.Metadata;
        var architecture = metadata.GetStringOrNull(GgufKeys.Architecture);
        var tensorTypes = file.Tensors
            .GroupBy(t => t.Type)
            .Select(group => new TensorTypeUsage(group.Key, group.Count(), group.Sum(t => t.ByteSize)))
            .OrderByDescending(usage => usage.Bytes)
            .ThenBy(usage => usage.Type)
            .ToArray();
        var tokenizer = ReadTokenizer(metadata);
        var shape = ReadShape(metadata, architecture, tokenizer.VocabSize);
        return new ModelSummary(
            file.Path,
            file.Length,
            file.Version,
            architecture,
            metadata.GetStringOrNull(GgufKeys.Name),
            Integer(metadata, GgufKeys.FileType),
            file.Tensors.Sum(t => t.ElementCount),
            file.Tensors.Count,
            tensorTypes,
            shape,
            tokenizer,
            ReadChatTemplate(metadata),
            RunnabilityCheck.Reasons(architecture, tensorTypes, tokenizer.Model));
    }

    private static ModelShape ReadShape(GgufMetadata metadata, string? architecture, int? tokenizerVocabSize)
    {
        // Without an architecture name no hyper-parameter key can be formed.
        string Key(string suffix) => GgufMetadata.ArchKey(architecture ?? "", suffix);
        var embedding = Integer(metadata, Key(GgufKeys.EmbeddingLength));
        var heads = Integers(metadata, Key(GgufKeys.HeadCount));
        // As llama.cpp: the key length when declared, else the embedding split evenly over the heads.
        var headDim = Integer(metadata, Key(GgufKeys.KeyLength))
            ?? (embedding is { } e && heads is [> 0, ..] ? e / heads[0] : null);
        return new ModelShape(
            embedding,
            Integer(metadata, Key(GgufKeys.BlockCount)),
            heads,
            Integers(metadata, Key(GgufKeys.HeadCountKv)) ?? heads,
            headDim,
            Integers(metadata, Key(GgufKeys.FeedForwardLength)),
            Integer(metadata, Key(GgufKeys.ContextLength)),
            Integer(metadata, Key(GgufKeys.VocabSize)) ?? tokenizerVocabSize,
            Number(metadata, Key(GgufKeys.RmsNormEpsilon)),
            Integer(metadata, Key(SummaryMetadataKeys.ExpertCount)),
            Integer(metadata, Key(SummaryMetadataKeys.ExpertUsedCount)),
            new RopeSummary(
                Integer(metadata, Key(GgufKeys.RopeDimensionCount)),
                Number(metadata, Key(GgufKeys.RopeFreqBase)),
                metadata.GetStringOrNull(Key(GgufKeys.RopeScalingType)),
                Number(metadata, Key(GgufKeys.RopeScalingFactor))));
    }

    private static TokenizerSummary ReadTokenizer(GgufMetadata metadata)
    {
        var tokens = metadata.GetArrayOrNull(GgufKeys.TokenizerTokens)?.Items as string[];
        var bos = Integer(metadata, GgufKeys.TokenizerBosId);
        var eos = Integer(metadata, GgufKeys.TokenizerEosId);
        return new TokenizerSummary(
            metadata.GetStringOrNull(GgufKeys.TokenizerModel),
            metadata.GetStringOrNull(GgufKeys.TokenizerPre),
            tokens?.Length,
            bos,
            TokenText(tokens, bos),
            eos,
            TokenText(tokens, eos),
            metadata.TryGet(GgufKeys.TokenizerAddBos, out var addBos) && addBos.Value is bool add ? add : null);
    }

    private static ChatTemplateSummary? ReadChatTemplate(GgufMetadata metadata)
    {
        if (metadata.GetStringOrNull(GgufKeys.ChatTemplate) is not { } template) return null;
        var firstLine = template.AsSpan().TrimStart();
        var end = firstLine.IndexOfAny('\r', '\n');
        return new ChatTemplateSummary(template.Length, (end < 0 ? firstLine : firstLine[..end]).ToString());
    }

    // An id past the vocabulary (some files store -1 as 4294967295 for "none") has no text.
    private static string? TokenText(string[]? tokens, long? id) =>
        tokens is not null && id is >= 0 && id < tokens.Length ? tokens[(int)id.Value] : null;

    private static long? Integer(GgufMetadata metadata, string key) => Scalar(metadata, key, value => value.AsInteger());

    private static List<long>? Integers(GgufMetadata metadata, string key)
    {
        if (!metadata.TryGet(key, out var value)) return null;
        if (value.Value is not GgufArray array) return Integer(metadata, key) is { } single ? [single] : null;
        var result = new List<long>(array.Count);
        foreach (var item in array.Items)
        {
            // Any element that is not an integer a long can hold makes the whole list unusable.
            switch (item)
            {
                case byte or sbyte or ushort or short or uint or int or long:
                    result.Add(Convert.ToInt64(item, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case ulong wide when wide <= long.MaxValue:
                    result.Add((long)wide);
                    break;
                default:
                    return null;
            }
        }
        return result;
    }

    private static double? Number(GgufMetadata metadata, string key) => Scalar(metadata, key, value => value.AsDouble());

    private static T? Scalar<T>(GgufMetadata metadata, string key, Func<GgufValue, T> convert) where T : struct
    {
        if (!metadata.TryGet(key, out var value)) return null;
        try
        {
            return convert(value);
        }
        catch (InvalidCastException)
        {
            // A value of another type (a string, an array, a ulong past long) is as good as absent here.
            return null;
        }
    }
}
