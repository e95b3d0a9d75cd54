namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// GELU with the tanh approximation, 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²))), evaluated as
/// ggml's CPU backend evaluates it for float32: the input is rounded to F16 and the result read
/// from a table of all 65,536 F16 inputs whose entries are themselves rounded to F16. Below −10 the
/// result is 0 and from 10 up it is x. The formula computed directly would differ from that by up
/// to an F16 ulp of the input and of the result, in every element of Gemma's feed-forward; the table
/// reproduces ggml's roundings instead.
/// </summary>
public static class TanhGelu
{
    private const float CoefficientA = 0.044715f;
    private const float SqrtTwoOverPi = 0.79788456080286535587989211986876f;

    // Indexed by the F16 bit pattern of the input; values are the F16-rounded results, as float.
    private static readonly float[] Table = BuildTable();

    public static float Apply(float x)
    {
        if (x <= -10f) return 0f;
        if (x >= 10f) return x;
        return Table[BitConverter.HalfToUInt16Bits((Half)x)];
    }

    /// <summary>The formula in float, without the table's F16 roundings (the reference for tests).</summary>
    public static float Exact(float x) => 0.5f * x * (1f + MathF.Tanh(SqrtTwoOverPi * x * (1f + CoefficientA * x * x)));

    private static float[] BuildTable()
    {
        var table = new float[1 << 16];
        for (int bits = 0; bits < table.Length; bits++)
        {
            var x = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            table[bits] = (float)(Half)Exact(x);
        }
        return table;
    }
}
