using System.Text;
using System.Text.Json;

namespace Toasted.Daemon.ModelInfo;

/// <summary>The summary as one JSON object with snake_case fields; absent values are null, never guessed.</summary>
public static class ModelSummaryJson
{
    public static string Write(ModelSummary summary)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("path", summary.Path);
            json.WriteNumber("file_size", summary.FileSize);
            json.WriteNumber("gguf_version", summary.GgufVersion);
            WriteString(json, "architecture", summary.Architecture);
            WriteString(json, "name", summary.Name);
            WriteNumber(json, "file_type", summary.FileType);
            WriteString(json, "file_type_name", summary.FileType is { } fileType ? FileTypeNames.Of(fileType) : null);
            json.WriteNumber("parameter_count", summary.ParameterCount);
            json.WriteNumber("tensor_count", summary.TensorCount);

            json.WriteStartArray("tensor_types");
            foreach (var usage in summary.TensorTypes)
            {
                json.WriteStartObject();
                json.WriteString("type", usage.Type.ToString());
                json.WriteNumber("count", usage.Count);
                json.WriteNumber("bytes", usage.Bytes);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            var shape = summary.Shape;
            json.WriteStartObject("hyper_parameters");
            WriteNumber(json, "embedding_length", shape.EmbeddingLength);
            WriteNumber(json, "block_count", shape.Layers);
            WritePerLayer(json, "head_count", shape.Heads);
            WritePerLayer(json, "head_count_kv", shape.KvHeads);
            WriteNumber(json, "head_dim", shape.HeadDim);
            WritePerLayer(json, "feed_forward_length", shape.FeedForwardLength);
            WriteNumber(json, "context_length", shape.ContextLength);
            WriteNumber(json, "vocab_size", shape.VocabSize);
            WriteNumber(json, "rms_norm_epsilon", shape.RmsEpsilon);
            WriteNumber(json, "expert_count", shape.ExpertCount);
            WriteNumber(json, "expert_used_count", shape.ExpertsUsed);
            json.WriteStartObject("rope");
            WriteNumber(json, "dimension_count", shape.Rope.DimensionCount);
            WriteNumber(json, "freq_base", shape.Rope.FrequencyBase);
            WriteString(json, "scaling_type", shape.Rope.ScalingType);
            WriteNumber(json, "scaling_factor", shape.Rope.ScalingFactor);
            json.WriteEndObject();
            json.WriteEndObject();

            var tokenizer = summary.Tokenizer;
            json.WriteStartObject("tokenizer");
            WriteString(json, "model", tokenizer.Model);
            WriteString(json, "pre", tokenizer.PreTokenizer);
            WriteNumber(json, "vocab_size", tokenizer.VocabSize);
            WriteNumber(json, "bos_id", tokenizer.BosId);
            WriteString(json, "bos_text", tokenizer.BosText);
            WriteNumber(json, "eos_id", tokenizer.EosId);
            WriteString(json, "eos_text", tokenizer.EosText);
            if (tokenizer.AddBos is { } addBos) json.WriteBoolean("add_bos", addBos);
            else json.WriteNull("add_bos");
            json.WriteEndObject();

            if (summary.ChatTemplate is { } template)
            {
                json.WriteStartObject("chat_template");
                json.WriteNumber("length", template.Length);
                json.WriteString("first_line", template.FirstLine);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("chat_template");
            }

            json.WriteBoolean("runnable", summary.Runnable);
            json.WriteStartArray("unsupported");
            foreach (var reason in summary.UnsupportedReasons) json.WriteStringValue(reason);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number) json.WriteNumber(name, number);
        else json.WriteNull(name);
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number && double.IsFinite(number)) json.WriteNumber(name, number);
        else json.WriteNull(name);
    }

    // One value when every layer agrees (the usual case), else the list per layer.
    private static void WritePerLayer(Utf8JsonWriter json, string name, IReadOnlyList<long>? values)
    {
        if (values is null || values.Count == 0)
        {
            json.WriteNull(name);
            return;
        }
        if (values.All(v => v == values[0]))
        {
            json.WriteNumber(name, values[0]);
            return;
        }
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteNumberValue(value);
        json.WriteEndArray();
    }
}
