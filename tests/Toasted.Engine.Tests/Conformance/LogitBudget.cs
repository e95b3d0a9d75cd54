namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// How far our logits may be from llama.cpp's for one weight type. The numbers come from how far
/// llama.cpp moves from its own golden when only a kernel path or the KV-cache type changes
/// (corpus/conformance/llama_cpp_self_consistency.json): an independent engine cannot be held
/// closer than llama.cpp is to itself.
/// </summary>
public sealed record LogitBudget(string Type, float MaxAbs, float Rms, float MinRowCosine, string Reason)
{
    /// <summary>Top-1 agreement is only checked where llama.cpp's own top-1 margin exceeds this.</summary>
    public float ClearMargin => 2 * MaxAbs;

    public static readonly IReadOnlyDictionary<string, LogitBudget> ByType = new[]
    {
        new LogitBudget("F32", 5e-3f, 1e-3f, 0.99999f,
            "llama.cpp moves up to 3.4e-3 from itself with an F32 instead of F16 KV cache"),
        new LogitBudget("F16", 1e-2f, 3e-3f, 0.9999f,
            "activations are rounded to F16 before each matmul; llama.cpp moves 3.6e-3 from itself"),
        new LogitBudget("BF16", 5e-2f, 1.5e-2f, 0.9995f,
            "BF16 rounding of activations; llama.cpp moves 2.1e-2 from itself"),
        new LogitBudget("Q8_0", 0.2f, 3e-2f, 0.999f,
            "8-bit activation quantization flips roundings; llama.cpp moves up to 0.1 (rms 1–2e-2) from itself"),
        new LogitBudget("Q4_0", 0.2f, 3e-2f, 0.999f, "as Q8_0; CPU weight repacking changes llama.cpp's own result by 5e-2"),
        new LogitBudget("Q4_K", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.1 from itself"),
        new LogitBudget("Q6_K", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.1 from itself"),
        new LogitBudget("Q4_K_M", 0.2f, 3e-2f, 0.999f, "mix of Q4_K and Q6_K, same reasons"),
        new LogitBudget("Q2_K", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.1 from itself"),
        new LogitBudget("Q3_K", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.1 from itself"),
        new LogitBudget("Q5_K", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.13 from itself"),
        new LogitBudget("IQ4_XS", 0.2f, 3e-2f, 0.999f, "Q8_K activations; llama.cpp moves up to 0.09 from itself"),
        new LogitBudget("Q4_1", 0.2f, 3e-2f, 0.999f, "Q8_1 activations; llama.cpp moves up to 6.6e-2 from itself"),
        new LogitBudget("Q5_0", 0.2f, 3e-2f, 0.999f, "Q8_0 activations; llama.cpp moves up to 6.6e-2 from itself"),
        new LogitBudget("Q5_1", 0.2f, 3e-2f, 0.999f, "Q8_1 activations; llama.cpp moves up to 6.4e-2 from itself"),
        new LogitBudget("IQ4_NL", 0.2f, 3e-2f, 0.999f, "as Q4_0; CPU weight repacking changes llama.cpp's own result by 5.7e-2"),
    }.ToDictionary(b => b.Type);
}
