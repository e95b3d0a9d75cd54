using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// IQ4_NL: blocks of 32 elements, 18 bytes (ggml's block_iq4_nl); activations are Q8_0.
/// <code>
/// offset 0 : f16 d        scale
/// offset 2 : u8 qs[16]    element j      = d * Levels[qs[j] &amp; 0xF]
///                         element j + 16 = d * Levels[qs[j] >> 4]
/// </code>
/// The sixteen levels are ggml's kvalues_iq4nl, a non-uniform grid (denser near zero, where weights
/// cluster). Dot: Σ_blocks (d_w·d_a)·Σ level·q8, see <see cref="Block32Kernels{TCodes}"/>; a nibble becomes
/// its level with one byte shuffle.
/// </summary>
public readonly struct IQ4_NLKernels : IBlock32Codes
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 18;
    private const int QuantsOffset = 2;

    /// <summary>ggml's kvalues_iq4nl (<see cref="Iq4NonLinearValues"/>).</summary>
    public static ReadOnlySpan<sbyte> Levels => Iq4NonLinearValues.Levels;

    private static Vector128<sbyte> LevelTable => Iq4NonLinearValues.Table;

    static int IBlock32Codes.WeightBlockBytes => BytesPerBlock;
    static bool IBlock32Codes.HasMin => false;

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) =>
        Block32Kernels<IQ4_NLKernels>.DotScalar(weightRow, activationRow, length);

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) =>
        Block32Kernels<IQ4_NLKernels>.Dot(weightRow, activationRow, length);

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) =>
        Block32Kernels<IQ4_NLKernels>.DequantizeScalar(blocks, destination);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) =>
        Block32Kernels<IQ4_NLKernels>.Dequantize(blocks, destination);

    /// <summary>Four rows per pass sharing the activation loads; each row's result equals its <see cref="DotScalar"/>.</summary>
    public static void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination) =>
        Block32RowsKernels<IQ4_NLKernels>.DotRows(weightRows, rowCount, activationRow, length, destination);

    /// <summary>The twin of <see cref="DotRows"/>: <see cref="DotScalar"/> row by row.</summary>
    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination) =>
        ScalarRows.DotRows(weightRows, rowCount, activationRow, length, destination);

    private static readonly RowByRowDots ScalarRows = new(DotScalar, BlockSize, BytesPerBlock);

    static void IBlock32Codes.DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes)
    {
        var levels = Levels;
        for (int j = 0; j < BlockSize / 2; j++)
        {
            codes[j] = levels[block[QuantsOffset + j] & 0xF];
            codes[j + 16] = levels[block[QuantsOffset + j] >> 4];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int IBlock32Codes.Code(ref byte block, int element)
    {
        return Unsafe.Add(ref Unsafe.AsRef(in Levels[0]), PackedNibbles.Of(ref Unsafe.Add(ref block, QuantsOffset), element));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> IBlock32Codes.Codes256(ref byte block)
    {
        var nibbles = PackedNibbles.Split256(ref Unsafe.Add(ref block, QuantsOffset));
        // vpshufb looks up within each 128-bit lane, so both lanes carry the table.
        return Avx2.Shuffle(Vector256.Create(LevelTable, LevelTable), nibbles.AsSByte());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector128<sbyte> Low, Vector128<sbyte> High) IBlock32Codes.Codes128(ref byte block)
    {
        var (low, high) = PackedNibbles.Split128(ref Unsafe.Add(ref block, QuantsOffset));
        return (Vector128.Shuffle(LevelTable, low.AsSByte()), Vector128.Shuffle(LevelTable, high.AsSByte()));
    }
}
