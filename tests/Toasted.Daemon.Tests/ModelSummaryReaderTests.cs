using NUnit.Framework;
using Toasted.Daemon.ModelInfo;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;

namespace Toasted.Daemon.Tests;

/// <summary>The summary of files no kit model covers: unknown families, per-layer values, unsupported types, odd metadata.</summary>
public class ModelSummaryReaderTests
{
    private string _path = "";

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), $"toasted-summary-{Environment.ProcessId}-{Guid.NewGuid():N}.gguf");

    [TearDown]
    public void DeletePath() => File.Delete(_path);

    [Test]
    public void An_unknown_family_with_per_layer_heads_and_an_unsupported_type_is_described_with_each_obstacle()
    {
        new GgufWriter()
            .Set(GgufKeys.Architecture, "mystery")
            .Set("mystery.embedding_length", 64u)
            .Set("mystery.block_count", 3u)
            .Set("mystery.attention.head_count", new GgufArray(GgufValueType.Int32, new[] { 4, 8, 8 }))
            .Set("mystery.feed_forward_length", 128u)
            .Set(GgufKeys.TokenizerModel, "wordpiece-of-the-future")
            .Set(GgufKeys.TokenizerTokens, new GgufArray(GgufValueType.String, new[] { "<unk>", "<s>", "</s>" }))
            .Set(GgufKeys.TokenizerBosId, 1u)
            .Set(GgufKeys.TokenizerEosId, 4294967295u)
            .Set(GgufKeys.ChatTemplate, "\n  {% for m in messages %}\n{{ m.content }}{% endfor %}")
            .AddTensor("token_embd.weight", GgmlType.Q4_1, [64, 3], new byte[3 * 2 * 20])
            .AddTensor("output_norm.weight", GgmlType.F32, [64], new byte[64 * 4])
            .Write(_path);

        using var file = GgufFile.Open(_path);
        var summary = ModelSummaryReader.Read(file);

        Assert.That(summary.Architecture, Is.EqualTo("mystery"));
        Assert.That(summary.ParameterCount, Is.EqualTo(64 * 3 + 64));
        Assert.That(summary.TensorTypes, Is.EquivalentTo(new[]
        {
            new TensorTypeUsage(GgmlType.Q4_1, 1, 120),
            new TensorTypeUsage(GgmlType.F32, 1, 256),
        }));
        Assert.That(summary.Shape.Heads, Is.EqualTo(new long[] { 4, 8, 8 }));
        // Without a declared KV head count, every head has its own keys and values.
        Assert.That(summary.Shape.KvHeads, Is.EqualTo(new long[] { 4, 8, 8 }));
        Assert.That(summary.Shape.HeadDim, Is.EqualTo(16));
        Assert.That(summary.Shape.ContextLength, Is.Null);
        Assert.That(summary.Shape.VocabSize, Is.EqualTo(3));
        Assert.That(summary.Tokenizer.BosText, Is.EqualTo("<s>"));
        Assert.That(summary.Tokenizer.EosId, Is.EqualTo(4294967295L));
        Assert.That(summary.Tokenizer.EosText, Is.Null);
        Assert.That(summary.ChatTemplate!.FirstLine, Is.EqualTo("{% for m in messages %}"));

        Assert.That(summary.Runnable, Is.False);
        Assert.That(summary.UnsupportedReasons, Has.Some.Contains("architecture 'mystery'"));
        Assert.That(summary.UnsupportedReasons, Has.Some.Contains("tokenizer model 'wordpiece-of-the-future'"));
        if (!QuantTraitsTable.IsSupported(GgmlType.Q4_1))
            Assert.That(summary.UnsupportedReasons, Has.Some.Contains("tensor type Q4_1 (1 tensor)"));

        var json = ModelSummaryJson.Write(summary);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var heads = document.RootElement.GetProperty("hyper_parameters").GetProperty("head_count");
        Assert.That(heads.EnumerateArray().Select(h => h.GetInt64()), Is.EqualTo(new long[] { 4, 8, 8 }));
        Assert.That(ModelSummaryText.Write(summary), Does.Contain("4, 8, 8 (per layer)"));
    }

    [Test]
    public void Values_of_the_wrong_type_are_reported_as_absent()
    {
        new GgufWriter()
            .Set(GgufKeys.Architecture, "llama")
            .Set("llama.embedding_length", "sixty-four")
            .Set("llama.attention.head_count", new GgufArray(GgufValueType.UInt64, new[] { ulong.MaxValue }))
            .Set("llama.context_length", 2048u)
            .Write(_path);

        using var file = GgufFile.Open(_path);
        var summary = ModelSummaryReader.Read(file);

        Assert.That(summary.Shape.EmbeddingLength, Is.Null);
        Assert.That(summary.Shape.Heads, Is.Null);
        Assert.That(summary.Shape.HeadDim, Is.Null);
        Assert.That(summary.Shape.ContextLength, Is.EqualTo(2048));
        Assert.That(summary.UnsupportedReasons, Has.Some.Contains("no tensors"));
        Assert.That(summary.UnsupportedReasons, Has.Some.Contains("no tokenizer"));
        Assert.DoesNotThrow(() => ModelSummaryText.Write(summary));
        Assert.DoesNotThrow(() => System.Text.Json.JsonDocument.Parse(ModelSummaryJson.Write(summary)).Dispose());
    }
}
