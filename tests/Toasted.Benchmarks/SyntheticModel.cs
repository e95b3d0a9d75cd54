using System.Runtime.InteropServices;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;

namespace Toasted.Benchmarks;

/// <summary>
/// Writes GGUF files with real models' shapes and random weights, for speed measurements: real
/// weights cannot be fetched here, and the speed of a forward pass does not depend on their values.
/// Quantized blocks get random quants with small scales so activations stay finite through every
/// layer. Dense shapes are written as "llama" models: the matrix sizes, which set the speed, are the
/// real model's; Qwen3's QK-norm and other per-family details are not, since they cost almost nothing.
/// A mixture of experts is written as "qwen3moe", with the keys and tensor shapes llama.cpp reads for
/// it, since its routing is what sets which weights each token reads.
/// </summary>
public static class SyntheticModel
{
    /// <summary>"Q4_K_M" is llama.cpp's mixed recipe; any other name is a ggml type used throughout.</summary>
    public static void Write(ModelShape shape, string typeName, string path, int seed = 1)
    {
        var mixed = typeName == "Q4_K_M";
        var type = mixed ? GgmlType.Q4_K : Enum.Parse<GgmlType>(typeName);
        // Q4_K_M keeps more bits where quantization hurts most: the output, and attn_v and ffn_down in
        // the first and last eighth of the layers and every third layer between.
        bool MoreBits(int layer) => layer < shape.Layers / 8 || layer >= 7 * shape.Layers / 8 || (layer - shape.Layers / 8) % 3 == 2;
        GgmlType Sensitive(int layer) => mixed && MoreBits(layer) ? GgmlType.Q6_K : type;
        var outputType = mixed ? GgmlType.Q6_K : type;
        var random = new Random(seed);
        var headDim = shape.HeadDim;
        var experts = shape.Experts;
        var writer = new GgufWriter();
        var arch = shape.Architecture;
        writer.Set(GgufKeys.Architecture, arch)
            .Set(GgufKeys.Name, $"synthetic {shape.Name} {type}")
            .Set($"{arch}.{GgufKeys.ContextLength}", (uint)shape.Context)
            .Set($"{arch}.{GgufKeys.EmbeddingLength}", (uint)shape.Embedding)
            .Set($"{arch}.{GgufKeys.BlockCount}", (uint)shape.Layers)
            .Set($"{arch}.{GgufKeys.FeedForwardLength}", (uint)shape.FeedForward)
            .Set($"{arch}.{GgufKeys.HeadCount}", (uint)shape.Heads)
            .Set($"{arch}.{GgufKeys.HeadCountKv}", (uint)shape.KvHeads);
        if (experts is null) writer.Set($"{arch}.{GgufKeys.RopeDimensionCount}", (uint)headDim);
        writer.Set($"{arch}.{GgufKeys.RopeFreqBase}", shape.RopeBase)
            .Set($"{arch}.{GgufKeys.RmsNormEpsilon}", shape.RmsEpsilon);
        if (experts is null)
            writer.Set($"{arch}.{GgufKeys.VocabSize}", (uint)shape.Vocab);
        else
            // Qwen3's converter writes the head length, as it need not be embedding / heads, and the
            // expert keys llama.cpp requires for this architecture.
            writer.Set($"{arch}.{GgufKeys.KeyLength}", (uint)headDim)
                .Set($"{arch}.{GgufKeys.ValueLength}", (uint)headDim)
                .Set($"{arch}.{GgufKeys.ExpertCount}", (uint)experts.Count)
                .Set($"{arch}.{GgufKeys.ExpertUsedCount}", (uint)experts.Used)
                .Set($"{arch}.{GgufKeys.ExpertFeedForwardLength}", (uint)experts.FeedForward);
        WriteVocabulary(writer, shape.Vocab);

        var tensors = new List<(string Name, GgmlType Type, long[] Dims)>
        {
            ("token_embd.weight", type, [shape.Embedding, shape.Vocab]),
            ("output_norm.weight", GgmlType.F32, [shape.Embedding]),
        };
        if (!shape.TiedOutput) tensors.Add(("output.weight", outputType, [shape.Embedding, shape.Vocab]));
        for (int i = 0; i < shape.Layers; i++)
        {
            tensors.Add(($"blk.{i}.attn_norm.weight", GgmlType.F32, [shape.Embedding]));
            tensors.Add(($"blk.{i}.attn_q.weight", type, [shape.Embedding, shape.Heads * headDim]));
            tensors.Add(($"blk.{i}.attn_k.weight", type, [shape.Embedding, shape.KvHeads * headDim]));
            tensors.Add(($"blk.{i}.attn_v.weight", Sensitive(i), [shape.Embedding, shape.KvHeads * headDim]));
            if (experts is not null)
            {
                tensors.Add(($"blk.{i}.attn_q_norm.weight", GgmlType.F32, [headDim]));
                tensors.Add(($"blk.{i}.attn_k_norm.weight", GgmlType.F32, [headDim]));
            }
            tensors.Add(($"blk.{i}.attn_output.weight", type, [shape.Heads * headDim, shape.Embedding]));
            tensors.Add(($"blk.{i}.ffn_norm.weight", GgmlType.F32, [shape.Embedding]));
            if (experts is null)
            {
                tensors.Add(($"blk.{i}.ffn_gate.weight", type, [shape.Embedding, shape.FeedForward]));
                tensors.Add(($"blk.{i}.ffn_up.weight", type, [shape.Embedding, shape.FeedForward]));
                tensors.Add(($"blk.{i}.ffn_down.weight", Sensitive(i), [shape.FeedForward, shape.Embedding]));
            }
            else
            {
                // The router stays F32 as llama-quantize leaves it. Its random rows give logits of
                // standard deviation about 0.5 on a normalised 2048-wide input, so each token's top-k
                // follows its own activations and the choices spread over all experts. Expert tensors
                // are [in, out, experts]; ffn_down_exps gets the bits Q4_K_M gives ffn_down.
                tensors.Add(($"blk.{i}.ffn_gate_inp.weight", GgmlType.F32, [shape.Embedding, experts.Count]));
                tensors.Add(($"blk.{i}.ffn_gate_exps.weight", type, [shape.Embedding, experts.FeedForward, experts.Count]));
                tensors.Add(($"blk.{i}.ffn_up_exps.weight", type, [shape.Embedding, experts.FeedForward, experts.Count]));
                tensors.Add(($"blk.{i}.ffn_down_exps.weight", Sensitive(i), [experts.FeedForward, shape.Embedding, experts.Count]));
            }
        }
        foreach (var (name, tensorType, dims) in tensors)
            writer.AddTensor(name, tensorType, dims, RandomTensor(random, tensorType, dims, name.EndsWith("norm.weight")));
        writer.Write(path);
    }

    /// <summary>A 'llama' (SentencePiece) vocabulary of byte tokens and made-up pieces.</summary>
    private static void WriteVocabulary(GgufWriter writer, int size)
    {
        var tokens = new string[size];
        var scores = new float[size];
        var types = new int[size];
        tokens[0] = "<unk>"; types[0] = 2;
        tokens[1] = "<s>"; types[1] = 3;
        tokens[2] = "</s>"; types[2] = 3;
        for (int b = 0; b < 256; b++) { tokens[3 + b] = $"<0x{b:X2}>"; types[3 + b] = 6; }
        for (int i = 259; i < size; i++) { tokens[i] = $"\u2581t{i}"; scores[i] = -i; types[i] = 1; }
        writer.Set(GgufKeys.TokenizerModel, "llama")
            .Set(GgufKeys.TokenizerTokens, new GgufArray(GgufValueType.String, tokens))
            .Set(GgufKeys.TokenizerScores, new GgufArray(GgufValueType.Float32, scores))
            .Set(GgufKeys.TokenizerTokenType, new GgufArray(GgufValueType.Int32, types))
            .Set(GgufKeys.TokenizerBosId, 1u)
            .Set(GgufKeys.TokenizerEosId, 2u);
    }

    private static byte[] RandomTensor(Random random, GgmlType type, long[] dims, bool isNorm)
    {
        var elements = dims.Aggregate(1L, (a, b) => a * b);
        if (type == GgmlType.F32)
        {
            var values = new float[elements];
            for (long i = 0; i < elements; i++) values[i] = isNorm ? 1f : (float)(random.NextDouble() - 0.5) * 0.04f;
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }
        if (type == GgmlType.F16)
        {
            var halves = new Half[elements];
            for (long i = 0; i < elements; i++) halves[i] = (Half)((random.NextDouble() - 0.5) * 0.04);
            return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        }
        var bytes = new byte[GgmlTypeLayout.RowBytes(type, dims[0]) * (elements / dims[0])];
        random.NextBytes(bytes);
        var layout = QuantTraitsTable.Get(type);
        // Overwrite every block's scale fields with a small positive half, so weights stay within about ±0.01.
        var smallScale = BitConverter.HalfToUInt16Bits((Half)0.0002f);
        for (long block = 0; block < bytes.Length / layout.BytesPerBlock; block++)
        {
            var at = (int)(block * layout.BytesPerBlock);
            foreach (var offset in ScaleOffsets(type, layout.BytesPerBlock))
                BitConverter.TryWriteBytes(bytes.AsSpan(at + offset, 2), smallScale);
        }
        return bytes;
    }

    /// <summary>Byte offsets of the f16 scale fields inside one block of each type.</summary>
    private static int[] ScaleOffsets(GgmlType type, int bytesPerBlock) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q8_0 => [0],      // d first
        GgmlType.Q4_K => [0, 2],                     // d, dmin first
        GgmlType.Q6_K => [bytesPerBlock - 2],        // d last
        _ => throw new NotSupportedException($"synthetic weights of type {type}"),
    };
}
