namespace Toasted.Engine.Quantization;

/// <summary>
/// Storage layout of every ggml type: how many elements one block holds and how many bytes it takes.
/// This is what a GGUF reader needs to size tensors, including types we cannot compute with yet.
/// Sizes are pinned by tests against the ggml block structs.
/// </summary>
public static class GgmlTypeLayout
{
    public static bool TryGet(GgmlType type, out int blockSize, out int bytesPerBlock)
    {
        (blockSize, bytesPerBlock) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.BF16 => (1, 2),
            GgmlType.F64 => (1, 8),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.Q4_0 => (32, 18),
            GgmlType.Q4_1 => (32, 20),
            GgmlType.Q5_0 => (32, 22),
            GgmlType.Q5_1 => (32, 24),
            GgmlType.Q8_0 => (32, 34),
            GgmlType.Q8_1 => (32, 36),
            GgmlType.IQ4_NL => (32, 18),
            GgmlType.MXFP4 => (32, 17),
            GgmlType.Q2_K => (256, 84),
            GgmlType.Q3_K => (256, 110),
            GgmlType.Q4_K => (256, 144),
            GgmlType.Q5_K => (256, 176),
            GgmlType.Q6_K => (256, 210),
            GgmlType.Q8_K => (256, 292),
            GgmlType.IQ2_XXS => (256, 66),
            GgmlType.IQ2_XS => (256, 74),
            GgmlType.IQ2_S => (256, 82),
            GgmlType.IQ3_XXS => (256, 98),
            GgmlType.IQ3_S => (256, 110),
            GgmlType.IQ1_S => (256, 50),
            GgmlType.IQ1_M => (256, 56),
            GgmlType.IQ4_XS => (256, 136),
            GgmlType.TQ1_0 => (256, 54),
            GgmlType.TQ2_0 => (256, 66),
            _ => (0, 0),
        };
        return blockSize != 0;
    }

    /// <summary>Bytes of a row of <paramref name="elements"/> elements; the count must be a whole number of blocks.</summary>
    public static long RowBytes(GgmlType type, long elements)
    {
        if (!TryGet(type, out var blockSize, out var bytesPerBlock))
            throw new NotSupportedException($"unknown ggml type {(uint)type}");
        if (elements % blockSize != 0)
            throw new ArgumentException($"{elements} elements is not a whole number of {type} blocks of {blockSize}");
        return elements / blockSize * bytesPerBlock;
    }
}
