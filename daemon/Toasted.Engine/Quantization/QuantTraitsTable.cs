namespace Toasted.Engine.Quantization;

/// <summary>The weight types the engine can compute with, and their kernels.</summary>
public static class QuantTraitsTable
{
    private static readonly Dictionary<GgmlType, QuantTraits> Rows = new QuantTraits[]
    {
        new()
        {
            Type = GgmlType.F32, BlockSize = 1, BytesPerBlock = 4, ActivationType = GgmlType.F32,
            Dequantize = F32Kernels.Dequantize, Dot = F32Kernels.Dot,
            DequantizeScalar = F32Kernels.DequantizeScalar, DotScalar = F32Kernels.DotScalar,
            DotRows = new RowByRowDots(F32Kernels.Dot, 4).DotRows, DotRowsScalar = new RowByRowDots(F32Kernels.DotScalar, 4).DotRows,
        },
        new()
        {
            Type = GgmlType.F16, BlockSize = 1, BytesPerBlock = 2, ActivationType = GgmlType.F16,
            Dequantize = F16Kernels.Dequantize, Dot = F16Kernels.Dot,
            DequantizeScalar = F16Kernels.DequantizeScalar, DotScalar = F16Kernels.DotScalar,
            DotRows = new RowByRowDots(F16Kernels.Dot, 2).DotRows, DotRowsScalar = new RowByRowDots(F16Kernels.DotScalar, 2).DotRows,
        },
        new()
        {
            Type = GgmlType.BF16, BlockSize = 1, BytesPerBlock = 2, ActivationType = GgmlType.BF16,
            Dequantize = BF16Kernels.Dequantize, Dot = BF16Kernels.Dot,
            DequantizeScalar = BF16Kernels.DequantizeScalar, DotScalar = BF16Kernels.DotScalar,
            DotRows = new RowByRowDots(BF16Kernels.Dot, 2).DotRows, DotRowsScalar = new RowByRowDots(BF16Kernels.DotScalar, 2).DotRows,
        },
        new()
        {
            Type = GgmlType.Q8_0, BlockSize = Q8_0Kernels.BlockSize, BytesPerBlock = Q8_0Kernels.BytesPerBlock, ActivationType = GgmlType.Q8_0,
            Dequantize = Q8_0Kernels.Dequantize, Dot = Q8_0Kernels.Dot,
            DequantizeScalar = Q8_0Kernels.DequantizeScalar, DotScalar = Q8_0Kernels.DotScalar,
            DotRows = Q8_0RowsKernels.DotRows, DotRowsScalar = Q8_0RowsKernels.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q4_0, BlockSize = Q4_0Kernels.BlockSize, BytesPerBlock = Q4_0Kernels.BytesPerBlock, ActivationType = GgmlType.Q8_0,
            Dequantize = Q4_0Kernels.Dequantize, Dot = Q4_0Kernels.Dot,
            DequantizeScalar = Q4_0Kernels.DequantizeScalar, DotScalar = Q4_0Kernels.DotScalar,
            DotRows = Q4_0RowsKernels.DotRows, DotRowsScalar = Q4_0RowsKernels.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q4_K, BlockSize = Q4_KKernels.BlockSize, BytesPerBlock = Q4_KKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = Q4_KKernels.Dequantize, Dot = Q4_KKernels.Dot,
            DequantizeScalar = Q4_KKernels.DequantizeScalar, DotScalar = Q4_KKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<Q4_KSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<Q4_KSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q6_K, BlockSize = Q6_KKernels.BlockSize, BytesPerBlock = Q6_KKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = Q6_KKernels.Dequantize, Dot = Q6_KKernels.Dot,
            DequantizeScalar = Q6_KKernels.DequantizeScalar, DotScalar = Q6_KKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<Q6_KSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<Q6_KSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q2_K, BlockSize = Q2_KKernels.BlockSize, BytesPerBlock = Q2_KKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = Q2_KKernels.Dequantize, Dot = Q2_KKernels.Dot,
            DequantizeScalar = Q2_KKernels.DequantizeScalar, DotScalar = Q2_KKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<Q2_KSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<Q2_KSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q3_K, BlockSize = Q3_KKernels.BlockSize, BytesPerBlock = Q3_KKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = Q3_KKernels.Dequantize, Dot = Q3_KKernels.Dot,
            DequantizeScalar = Q3_KKernels.DequantizeScalar, DotScalar = Q3_KKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<Q3_KSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<Q3_KSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q5_K, BlockSize = Q5_KKernels.BlockSize, BytesPerBlock = Q5_KKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = Q5_KKernels.Dequantize, Dot = Q5_KKernels.Dot,
            DequantizeScalar = Q5_KKernels.DequantizeScalar, DotScalar = Q5_KKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<Q5_KSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<Q5_KSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.IQ4_XS, BlockSize = IQ4_XSKernels.BlockSize, BytesPerBlock = IQ4_XSKernels.BytesPerBlock, ActivationType = GgmlType.Q8_K,
            Dequantize = IQ4_XSKernels.Dequantize, Dot = IQ4_XSKernels.Dot,
            DequantizeScalar = IQ4_XSKernels.DequantizeScalar, DotScalar = IQ4_XSKernels.DotScalar,
            DotRows = SuperBlockRowsKernels<IQ4_XSSuperBlock>.DotRows, DotRowsScalar = SuperBlockRowsKernels<IQ4_XSSuperBlock>.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q4_1, BlockSize = Q4_1Kernels.BlockSize, BytesPerBlock = Q4_1Kernels.BytesPerBlock, ActivationType = GgmlType.Q8_1,
            Dequantize = Q4_1Kernels.Dequantize, Dot = Q4_1Kernels.Dot,
            DequantizeScalar = Q4_1Kernels.DequantizeScalar, DotScalar = Q4_1Kernels.DotScalar,
            DotRows = Q4_1Kernels.DotRows, DotRowsScalar = Q4_1Kernels.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q5_0, BlockSize = Q5_0Kernels.BlockSize, BytesPerBlock = Q5_0Kernels.BytesPerBlock, ActivationType = GgmlType.Q8_0,
            Dequantize = Q5_0Kernels.Dequantize, Dot = Q5_0Kernels.Dot,
            DequantizeScalar = Q5_0Kernels.DequantizeScalar, DotScalar = Q5_0Kernels.DotScalar,
            DotRows = Q5_0Kernels.DotRows, DotRowsScalar = Q5_0Kernels.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.Q5_1, BlockSize = Q5_1Kernels.BlockSize, BytesPerBlock = Q5_1Kernels.BytesPerBlock, ActivationType = GgmlType.Q8_1,
            Dequantize = Q5_1Kernels.Dequantize, Dot = Q5_1Kernels.Dot,
            DequantizeScalar = Q5_1Kernels.DequantizeScalar, DotScalar = Q5_1Kernels.DotScalar,
            DotRows = Q5_1Kernels.DotRows, DotRowsScalar = Q5_1Kernels.DotRowsScalar,
        },
        new()
        {
            Type = GgmlType.IQ4_NL, BlockSize = IQ4_NLKernels.BlockSize, BytesPerBlock = IQ4_NLKernels.BytesPerBlock, ActivationType = GgmlType.Q8_0,
            Dequantize = IQ4_NLKernels.Dequantize, Dot = IQ4_NLKernels.Dot,
            DequantizeScalar = IQ4_NLKernels.DequantizeScalar, DotScalar = IQ4_NLKernels.DotScalar,
            DotRows = IQ4_NLKernels.DotRows, DotRowsScalar = IQ4_NLKernels.DotRowsScalar,
        },
    }.ToDictionary(row => row.Type);

    public static IEnumerable<GgmlType> SupportedTypes => Rows.Keys;

    public static bool IsSupported(GgmlType t) => Rows.ContainsKey(t);

    public static QuantTraits Get(GgmlType t) =>
        Rows.TryGetValue(t, out var row)
            ? row
            : throw new NotSupportedException($"ggml type {t} ({(uint)t}) is not supported for computation yet");
}
