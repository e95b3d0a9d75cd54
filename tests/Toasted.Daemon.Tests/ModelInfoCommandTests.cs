using System.Globalization;
using System.Text.Json;
using NUnit.Framework;
using Toasted.Daemon.ModelInfo;
using Toasted.Engine.Architectures;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// `toasted info` against truths it does not compute itself: the conformance manifest (written by
/// the generator and llama-quantize) and the kit's own Python header reader for the real models.
/// </summary>
public class ModelInfoCommandTests
{
    /// <summary>ggml's block layouts (elements per block, bytes per block), as the format defines them.</summary>
    private static readonly Dictionary<string, (int Elements, int Bytes)> BlockLayouts = new()
    {
        ["F32"] = (1, 4), ["F16"] = (1, 2), ["BF16"] = (1, 2),
        ["Q4_0"] = (32, 18), ["Q4_1"] = (32, 20), ["Q5_0"] = (32, 22), ["Q5_1"] = (32, 24), ["Q8_0"] = (32, 34),
        ["Q2_K"] = (256, 84), ["Q3_K"] = (256, 110), ["Q4_K"] = (256, 144), ["Q5_K"] = (256, 176), ["Q6_K"] = (256, 210),
        ["IQ4_NL"] = (32, 18), ["IQ4_XS"] = (256, 136),
    };

    /// <summary>Types run as processes; every file of the manifest is checked in-process below.</summary>
    private static readonly string[] ProcessTypes = ["F16", "BF16", "Q4_K_M", "IQ4_XS"];

    [Test]
    public async Task Json_of_conformance_models_matches_the_manifest()
    {
        var checkedFiles = 0;
        foreach (var entry in ManifestModels().Where(e => ProcessTypes.Contains(e.GetProperty("type").GetString())))
        {
            var path = Path.Combine(SharedKit.Require("corpus/conformance/models"), entry.GetProperty("file").GetString()!);
            if (!File.Exists(path)) continue;
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path, "--json"]);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            using var json = JsonDocument.Parse(result.Stdout);
            AssertMatchesManifest(json.RootElement, entry);
            checkedFiles++;
        }
        Assert.That(checkedFiles, Is.GreaterThanOrEqualTo(6 * 2), "too few conformance models found");
    }

    [Test]
    public void Summary_of_every_conformance_model_matches_the_manifest()
    {
        var checkedFiles = 0;
        foreach (var entry in ManifestModels())
        {
            var path = Path.Combine(SharedKit.Require("corpus/conformance/models"), entry.GetProperty("file").GetString()!);
            if (!File.Exists(path)) continue;
            using var file = GgufFile.Open(path);
            using var json = JsonDocument.Parse(ModelSummaryJson.Write(ModelSummaryReader.Read(file)));
            AssertMatchesManifest(json.RootElement, entry);
            checkedFiles++;
        }
        Assert.That(checkedFiles, Is.GreaterThanOrEqualTo(72));
    }

    [TestCase("corpus/real/stories260K.gguf")]
    [TestCase("corpus/real/llama-2-tiny-random.gguf")]
    public async Task Json_of_real_models_matches_the_kit_header_reader(string relativePath)
    {
        var path = SharedKit.Require(relativePath);
        var truth = KitHeaderReader.Read(path);
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path, "--json"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var info = json.RootElement;

        Assert.That(info.GetProperty("file_size").GetInt64(), Is.EqualTo(truth.Size));
        Assert.That(info.GetProperty("gguf_version").GetInt32(), Is.EqualTo(truth.Version));
        Assert.That(info.GetProperty("tensor_count").GetInt32(), Is.EqualTo(truth.TensorCount));
        Assert.That(info.GetProperty("parameter_count").GetInt64(), Is.EqualTo(truth.Parameters));
        Assert.That(TypeCounts(info), Is.EquivalentTo(truth.TensorTypes));
        Assert.That(info.GetProperty("architecture").GetString(), Is.EqualTo(truth.Metadata["general.architecture"].Trim('\'')));
        Assert.That(info.GetProperty("name").GetString(), Is.EqualTo(truth.Metadata["general.name"].Trim('\'')));
        var hp = info.GetProperty("hyper_parameters");
        Assert.That(hp.GetProperty("embedding_length").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.embedding_length"]));
        Assert.That(hp.GetProperty("block_count").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.block_count"]));
        Assert.That(hp.GetProperty("head_count").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.attention.head_count"]));
        Assert.That(hp.GetProperty("head_count_kv").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.attention.head_count_kv"]));
        Assert.That(hp.GetProperty("feed_forward_length").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.feed_forward_length"]));
        Assert.That(hp.GetProperty("context_length").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.context_length"]));
        Assert.That(hp.GetProperty("rope").GetProperty("dimension_count").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["llama.rope.dimension_count"]));
        Assert.That(hp.GetProperty("head_dim").GetInt64(),
            Is.EqualTo(long.Parse(truth.Metadata["llama.embedding_length"], CultureInfo.InvariantCulture) / long.Parse(truth.Metadata["llama.attention.head_count"], CultureInfo.InvariantCulture)));
        var tokenizer = info.GetProperty("tokenizer");
        Assert.That(tokenizer.GetProperty("model").GetString(), Is.EqualTo(truth.Metadata["tokenizer.ggml.model"].Trim('\'')));
        Assert.That(tokenizer.GetProperty("vocab_size").GetInt32(), Is.EqualTo(truth.VocabularySize));
        Assert.That(tokenizer.GetProperty("bos_id").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["tokenizer.ggml.bos_token_id"]));
        Assert.That(tokenizer.GetProperty("eos_id").GetInt64().ToString(CultureInfo.InvariantCulture), Is.EqualTo(truth.Metadata["tokenizer.ggml.eos_token_id"]));
        Assert.That(tokenizer.GetProperty("bos_text").GetString(), Is.EqualTo("<s>"));
        Assert.That(tokenizer.GetProperty("eos_text").GetString(), Is.EqualTo("</s>"));
        // Both are llama models in types the engine runs, with the SentencePiece vocabulary.
        Assert.That(info.GetProperty("runnable").GetBoolean(), Is.True, result.StdoutText);
    }

    [Test]
    public async Task Text_form_names_every_section_and_the_verdict()
    {
        var path = SharedKit.Require("corpus/real/stories260K.gguf");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var text = result.StdoutText;
        Assert.That(text, Does.Contain("architecture:").And.Contain("llama"));
        Assert.That(text, Does.Match(@"parameters:\s+292,800"));
        Assert.That(text, Does.Match(@"F32\s+48 tensors"));
        Assert.That(text, Does.Match(@"kv heads:\s+4"));
        Assert.That(text, Does.Match(@"bos:\s+1 ""<s>"""));
        Assert.That(text, Does.Match(@"chat template:\s+no"));
        Assert.That(text, Does.Match(@"runnable:\s+yes"));
    }

    [Test]
    public async Task A_model_of_an_unsupported_architecture_is_described_and_its_obstacle_named()
    {
        var entry = ManifestModels().FirstOrDefault(e =>
            ArchitectureRegistry.Create(e.GetProperty("arch").GetString()!) is null
            && File.Exists(Path.Combine(SharedKit.Require("corpus/conformance/models"), e.GetProperty("file").GetString()!)));
        if (entry.ValueKind == JsonValueKind.Undefined) Assert.Ignore("every conformance architecture is supported now");
        var path = Path.Combine(SharedKit.Require("corpus/conformance/models"), entry.GetProperty("file").GetString()!);
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdoutText, Does.Match(@"runnable:\s+no"));
        Assert.That(result.StdoutText, Does.Contain($"architecture '{entry.GetProperty("arch").GetString()}' is not supported"));
    }

    [Test]
    public async Task A_vocabulary_only_file_is_described_as_holding_no_weights()
    {
        var path = SharedKit.Require("corpus/tokenizer/ggml-vocab-qwen2.gguf");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path, "--json"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var info = json.RootElement;
        Assert.That(info.GetProperty("tensor_count").GetInt32(), Is.EqualTo(0));
        Assert.That(info.GetProperty("runnable").GetBoolean(), Is.False);
        Assert.That(info.GetProperty("tokenizer").GetProperty("pre").GetString(), Is.EqualTo("qwen2"));
        Assert.That(info.GetProperty("chat_template").GetProperty("length").GetInt32(), Is.GreaterThan(0));
        Assert.That(info.GetProperty("unsupported").EnumerateArray().Select(r => r.GetString()), Has.Some.Contains("no tensors"));
    }

    [TestCase(100)]
    [TestCase(10_000)]
    public async Task A_truncated_file_fails_with_the_gguf_error_and_exit_1(int keptBytes)
    {
        var source = File.ReadAllBytes(SharedKit.Require("corpus/real/stories260K.gguf"));
        var path = Path.Combine(Path.GetTempPath(), $"toasted-info-truncated-{Environment.ProcessId}-{keptBytes}.gguf");
        await File.WriteAllBytesAsync(path, source[..keptBytes]);
        try
        {
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path, "--json"]);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("invalid GGUF at byte"));
            Assert.That(result.Stdout, Is.Empty);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task A_file_with_a_hostile_tensor_count_fails_with_the_gguf_error_and_exit_1()
    {
        var bytes = File.ReadAllBytes(SharedKit.Require("corpus/real/stories260K.gguf"));
        // Bytes 8–15 hold the tensor count: claim more tensors than the file could describe.
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), ulong.MaxValue / 2);
        var path = Path.Combine(Path.GetTempPath(), $"toasted-info-hostile-{Environment.ProcessId}.gguf");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", path]);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("invalid GGUF at byte 8"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task A_gguf_v1_file_fails_with_the_gguf_error_and_exit_1()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", SharedKit.Require("corpus/real/stories260K-gguf-v1.gguf")]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("invalid GGUF").And.Contain("v1"));
    }

    [Test]
    public async Task A_missing_file_is_a_usage_error()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", "/nonexistent/model.gguf"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("/nonexistent/model.gguf"));
    }

    [Test]
    public async Task Without_a_model_it_is_a_usage_error()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["info", "--json"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
    }

    private static void AssertMatchesManifest(JsonElement info, JsonElement entry)
    {
        var file = entry.GetProperty("file").GetString();
        var arch = entry.GetProperty("arch").GetString()!;
        Assert.That(info.GetProperty("architecture").GetString(), Is.EqualTo(arch), file);
        Assert.That(info.GetProperty("file_size").GetInt64(), Is.EqualTo(entry.GetProperty("size").GetInt64()), file);
        Assert.That(info.GetProperty("gguf_version").GetInt32(), Is.EqualTo(entry.GetProperty("gguf_version").GetInt32()), file);
        Assert.That(info.GetProperty("file_type").GetInt64(), Is.EqualTo(entry.GetProperty("general_file_type").GetInt64()), file);
        Assert.That(info.GetProperty("tensor_count").GetInt32(), Is.EqualTo(entry.GetProperty("n_tensors").GetInt32()), file);

        // Histogram: counts from the manifest's summary; bytes and parameters from its per-tensor shapes and types.
        var expectedCounts = entry.GetProperty("tensor_types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.That(TypeCounts(info), Is.EquivalentTo(expectedCounts), file);
        var expectedBytes = new Dictionary<string, long>();
        long parameters = 0;
        foreach (var tensor in entry.GetProperty("tensors").EnumerateArray())
        {
            var elements = tensor[1].EnumerateArray().Aggregate(1L, (product, d) => product * d.GetInt64());
            var type = tensor[2].GetString()!;
            var layout = BlockLayouts[type];
            expectedBytes[type] = expectedBytes.GetValueOrDefault(type) + elements / layout.Elements * layout.Bytes;
            parameters += elements;
        }
        var actualBytes = info.GetProperty("tensor_types").EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!, t => t.GetProperty("bytes").GetInt64());
        Assert.That(actualBytes, Is.EquivalentTo(expectedBytes), file);
        Assert.That(info.GetProperty("parameter_count").GetInt64(), Is.EqualTo(parameters), file);

        var expected = entry.GetProperty("hparams");
        var hp = info.GetProperty("hyper_parameters");
        Assert.That(hp.GetProperty("embedding_length").GetInt64(), Is.EqualTo(expected.GetProperty("embedding_length").GetInt64()), file);
        Assert.That(hp.GetProperty("block_count").GetInt64(), Is.EqualTo(expected.GetProperty("block_count").GetInt64()), file);
        Assert.That(hp.GetProperty("head_count").GetInt64(), Is.EqualTo(expected.GetProperty("attention.head_count").GetInt64()), file);
        Assert.That(hp.GetProperty("head_count_kv").GetInt64(), Is.EqualTo(expected.GetProperty("attention.head_count_kv").GetInt64()), file);
        Assert.That(hp.GetProperty("feed_forward_length").GetInt64(), Is.EqualTo(expected.GetProperty("feed_forward_length").GetInt64()), file);
        Assert.That(hp.GetProperty("context_length").GetInt64(), Is.EqualTo(expected.GetProperty("context_length").GetInt64()), file);
        Assert.That(hp.GetProperty("rope").GetProperty("freq_base").GetDouble(), Is.EqualTo(expected.GetProperty("rope.freq_base").GetDouble()), file);
        Assert.That(hp.GetProperty("rms_norm_epsilon").GetDouble(),
            Is.EqualTo(expected.GetProperty("attention.layer_norm_rms_epsilon").GetDouble()).Within(1e-6).Percent, file);
        var headDim = expected.TryGetProperty("attention.key_length", out var keyLength)
            ? keyLength.GetInt64()
            : expected.GetProperty("embedding_length").GetInt64() / expected.GetProperty("attention.head_count").GetInt64();
        Assert.That(hp.GetProperty("head_dim").GetInt64(), Is.EqualTo(headDim), file);
        if (expected.TryGetProperty("expert_count", out var experts))
        {
            Assert.That(hp.GetProperty("expert_count").GetInt64(), Is.EqualTo(experts.GetInt64()), file);
            Assert.That(hp.GetProperty("expert_used_count").GetInt64(), Is.EqualTo(expected.GetProperty("expert_used_count").GetInt64()), file);
        }
        // The vocabulary: all share stories260K's 512 tokens.
        Assert.That(info.GetProperty("tokenizer").GetProperty("vocab_size").GetInt32(), Is.EqualTo(512), file);

        // Runnable exactly when the engine's registries hold the architecture and every tensor type.
        var runnable = ArchitectureRegistry.Create(arch) is not null
            && expectedCounts.Keys.All(type => QuantTraitsTable.IsSupported(Enum.Parse<GgmlType>(type)));
        Assert.That(info.GetProperty("runnable").GetBoolean(), Is.EqualTo(runnable), file);
        var reasons = info.GetProperty("unsupported").EnumerateArray().Select(r => r.GetString()!).ToArray();
        Assert.That(reasons, runnable ? Is.Empty : Is.Not.Empty, file);
        foreach (var type in expectedCounts.Keys.Where(type => !QuantTraitsTable.IsSupported(Enum.Parse<GgmlType>(type))))
            Assert.That(reasons, Has.Some.Contains($"tensor type {type} "), file);
    }

    private static Dictionary<string, int> TypeCounts(JsonElement info) =>
        info.GetProperty("tensor_types").EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!, t => t.GetProperty("count").GetInt32());

    private static List<JsonElement> ManifestModels()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedKit.Require("corpus/conformance/models/MANIFEST.json")));
        return doc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.Clone()).ToList();
    }
}
