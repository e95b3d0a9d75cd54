using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// A Llama file carrying <c>rope_freqs</c> end to end. Dividing every pair's angle by 2 (the factors)
/// is the same arithmetic, bit for bit, as multiplying it by 0.5 (linear scaling of factor 2): both
/// are exact in float. So the conformance model with <c>rope_freqs</c> = 2 everywhere must give exactly
/// the logits of the same model with linear scaling 2, and differ from the unscaled model.
/// </summary>
[Category("Conformance")]
public class RopeFrequencyFactorTests
{
    [Test]
    public void Rope_freqs_of_two_match_linear_scaling_of_two_bit_for_bit()
    {
        var source = ConformanceModels.PathOf("conf-llama-F32.gguf");
        var folder = Directory.CreateTempSubdirectory("toasted-rope-freqs");
        try
        {
            var withFactors = Path.Combine(folder.FullName, "rope-freqs.gguf");
            var withLinear = Path.Combine(folder.FullName, "linear.gguf");
            using (var file = GgufFile.Open(source))
            {
                var pairs = file.Metadata.GetInteger("llama.rope.dimension_count") / 2;
                var twos = new byte[pairs * sizeof(float)];
                for (int i = 0; i < pairs; i++) BitConverter.TryWriteBytes(twos.AsSpan(i * sizeof(float)), 2f);
                Copy(file).AddTensor("rope_freqs.weight", GgmlType.F32, [pairs], twos).Write(withFactors);
                Copy(file).Set("llama.rope.scaling.type", "linear").Set("llama.rope.scaling.factor", 2f).Write(withLinear);
            }

            var plain = Logits(source);
            var factors = Logits(withFactors);
            var linear = Logits(withLinear);
            Assert.That(factors, Is.EqualTo(linear), "rope_freqs = 2 against linear scaling 2");
            Assert.That(LogitComparison.Compare(factors, plain, 512).MaxAbs, Is.GreaterThan(1e-3), "the factors change the logits");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void Rope_scaling_we_do_not_implement_is_refused_at_load()
    {
        var folder = Directory.CreateTempSubdirectory("toasted-rope-yarn");
        try
        {
            var path = Path.Combine(folder.FullName, "yarn.gguf");
            using (var file = GgufFile.Open(ConformanceModels.PathOf("conf-llama-F32.gguf")))
                Copy(file).Set("llama.rope.scaling.type", "yarn").Set("llama.rope.scaling.factor", 4f).Write(path);
            var error = Assert.Throws<ModelLoadException>(() => LoadedModel.Load(path, new ModelLoadOptions { Threads = 1, ContextLength = 64 }).Dispose());
            Assert.That(error!.Reason, Does.Contain("yarn"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static GgufWriter Copy(GgufFile file)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in file.Metadata.Values)
            if (key != GgufKeys.Alignment) writer.Set(key, value);
        foreach (var tensor in file.Tensors)
            writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, file.GetTensorBytes(tensor).ToArray());
        return writer;
    }

    private static float[] Logits(string path)
    {
        var golden = GoldenLogits.Load(SharedKit.Require("corpus/conformance/golden/conf-llama-F32.json"));
        using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = 256 });
        using var session = model.CreateSession();
        return session.Evaluate(golden.TokenIds.AsSpan(0, 16).ToArray(), allLogits: true);
    }
}
