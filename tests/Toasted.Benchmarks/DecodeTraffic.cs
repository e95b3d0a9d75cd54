using Toasted.Engine.Gguf;

namespace Toasted.Benchmarks;

/// <summary>
/// The bytes one decode step must bring from memory, which with the machine's read bandwidth bounds
/// decode tokens per second. Not the file's size: a token reads one row of the token-embedding table
/// (the whole table only when it doubles as the output matrix), only the experts its router picks
/// (expert_used_count of expert_count of every 3-D expert tensor), and the F16 keys and values of every
/// cached position it attends to, which at a depth of a thousand positions add several percent.
/// </summary>
public sealed record DecodeTraffic(long WeightBytes, long KvBytesPerPosition)
{
    private const string TokenEmbeddings = "token_embd.weight";
    private const string OutputMatrix = "output.weight";
    private const int KvCacheElementBytes = 2; // F16, the default of both engines

    /// <summary>Mean bytes per generated token when <paramref name="generated"/> tokens follow
    /// <paramref name="depth"/> cached positions: token i attends to depth + i + 1 positions.</summary>
    public double BytesPerToken(int depth, int generated) =>
        WeightBytes + KvBytesPerPosition * (depth + (generated + 1) / 2.0);

    public static DecodeTraffic Of(string path)
    {
        using var file = GgufFile.Open(path);
        return Of(file);
    }

    public static DecodeTraffic Of(GgufFile file)
    {
        var metadata = file.Metadata;
        var arch = metadata.GetString(GgufKeys.Architecture);
        long Key(string suffix, long fallback) => metadata.GetInteger(GgufMetadata.ArchKey(arch, suffix), fallback);
        var expertCount = Key(GgufKeys.ExpertCount, 0);
        var expertsUsed = Key(GgufKeys.ExpertUsedCount, 0);
        var tiedOutput = !file.TryGetTensor(OutputMatrix, out _);

        long weights = 0;
        foreach (var tensor in file.Tensors)
        {
            if (tensor.Name == TokenEmbeddings && !tiedOutput)
                weights += tensor.ByteSize / tensor.RowCount;
            else if (tensor.Dimensions.Length == 3 && expertCount > 0 && tensor.Dimensions[2] == expertCount)
                weights += tensor.ByteSize / expertCount * expertsUsed;
            else
                weights += tensor.ByteSize;
        }

        var heads = Key(GgufKeys.HeadCount, 1);
        var headDim = Key(GgufKeys.EmbeddingLength, 0) / heads;
        var keyLength = Key(GgufKeys.KeyLength, headDim);
        var valueLength = Key(GgufKeys.ValueLength, headDim);
        var kvPerPosition = Key(GgufKeys.BlockCount, 0) * Key(GgufKeys.HeadCountKv, heads) * (keyLength + valueLength) * KvCacheElementBytes;
        return new DecodeTraffic(weights, kvPerPosition);
    }
}
