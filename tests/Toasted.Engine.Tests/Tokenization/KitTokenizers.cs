using System.Collections.Concurrent;
using Toasted.Engine.Gguf;
using Toasted.Engine.Tokenization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>Tokenizers built from the kit's GGUF files, loaded once per file for the whole run.</summary>
internal static class KitTokenizers
{
    private static readonly ConcurrentDictionary<string, Lazy<ITokenizer>> Loaded = new();

    public static ITokenizer Load(string kitRelativePath)
    {
        var path = SharedKit.Require(kitRelativePath);
        return Loaded.GetOrAdd(path, p => new Lazy<ITokenizer>(() =>
        {
            using var file = GgufFile.Open(p);
            return TokenizerFactory.FromGguf(file.Metadata);
        })).Value;
    }

    public static GgufMetadata Metadata(string kitRelativePath)
    {
        using var file = GgufFile.Open(SharedKit.Require(kitRelativePath));
        return file.Metadata;
    }
}
