namespace Toasted.Engine.Compute.Cpu;

/// <summary>IEEE half ⇄ single conversion for the KV cache (round to nearest even).</summary>
internal static class HalfConversion
{
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = (Half)source[i];
    }

    public static float RoundThroughHalf(float value) => (float)(Half)value;
}
