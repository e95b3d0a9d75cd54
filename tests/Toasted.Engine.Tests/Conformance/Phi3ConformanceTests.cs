using NUnit.Framework;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>Our Phi-3 forward pass (fused QKV and gate+up projections) against llama.cpp on the
/// synthetic phi3 models.</summary>
[Category("Conformance")]
public class Phi3ConformanceTests
{
    public static IEnumerable<TestCaseData> Models() => ConformanceCheck.Cases("phi3", "Phi3");

    [TestCaseSource(nameof(Models))]
    public void Logits_and_teacher_forced_greedy_match_llama_cpp(string arch, string type) => ConformanceCheck.Run(arch, type);
}
