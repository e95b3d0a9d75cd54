using NUnit.Framework;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// Our Gemma 3 forward pass against llama.cpp on the synthetic gemma3 models. Their window is 16
/// positions and layers 0 and 1 slide, so positions 16–63 of the batch and every greedy step check
/// sliding-window attention against llama.cpp's masks as well.
/// </summary>
[Category("Conformance")]
public class Gemma3ConformanceTests
{
    public static IEnumerable<TestCaseData> Models() => ConformanceCheck.Cases("gemma3", "Gemma3");

    [TestCaseSource(nameof(Models))]
    public void Logits_and_teacher_forced_greedy_match_llama_cpp(string arch, string type) => ConformanceCheck.Run(arch, type);
}
