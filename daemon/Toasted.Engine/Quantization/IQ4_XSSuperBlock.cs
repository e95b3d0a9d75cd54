using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// An IQ4_XS super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += (d · d8) · isum</c>, isum built
/// in registers. Each 512-bit step takes sub-blocks 2t and 2t + 1 (their 32 packed bytes): the nibbles in element order,
/// the magnitudes of their levels by one byte shuffle, and the activations negated where the level is negative (codes
/// 0–7), so <c>vpmaddubsw</c> multiplies |level| by ±q8 (q8 in [−127, 127]; a pair sum at most 2 · 127 · 127); then one
/// <c>vpmaddwd</c> by the sub-block scales. The ints are <see cref="IQ4_XSKernels.DotScalar"/>'s.
/// </summary>
internal readonly unsafe struct IQ4_XSSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => IQ4_XSKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => IQ4_XSKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => IQ4_XSKernels.DotScalar(weightRow, activationRow, length);

    public static bool HasMinTerm => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes)
    {
        minLanes = default;
        var acc = Step512(Vector512<int>.Zero, block, c0, 0);
        acc = Step512(acc, block, c1, 1);
        acc = Step512(acc, block, c2, 2);
        acc = Step512(acc, block, c3, 3);
        return SuperBlockLanes.Fold(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        minLanes = default;
        sbyte* q8 = (sbyte*)activationBlock + Q8_KKernels.QuantsOffset;
        var magnitudes = Vector256.Create(Magnitudes());
        var acc = Vector256<int>.Zero;
        for (int s = 0; s < 8; s++)
        {
            var packed = Vector128.Load(block + IQ4_XSKernels.QuantsOffset + 16 * s);
            var codes = Vector256.Create(packed & Vector128.Create((byte)0x0F), PackedNibbles.High128(packed));
            var activations = Avx2.Sign(Vector256.Load(q8 + 32 * s), LevelSigns(codes));
            acc = Int8MultiplyAdd.UnsignedScaled(acc, Avx2.Shuffle(magnitudes, codes), activations, Vector256.Create(SubBlockScale(block, s)));
        }
        return acc;
    }

    /// <summary>The scalar dot's step, <c>sum + (d · d8) · isum</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => sum + Q8_0Kernels.Scale(ref *block) * d8 * isum;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        sums + SuperBlockLanes.Scales(b0, b1, b2, b3, 0) * Vector128.Create(d8) * Vector128.ConvertToSingle(isums);

    /// <summary>Sub-blocks 2<paramref name="t"/> and 2<paramref name="t"/> + 1: 64 elements against 64 contiguous q8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Step512(Vector512<int> acc, byte* block, Vector512<sbyte> activations, int t)
    {
        var packed = Vector256.Load(block + IQ4_XSKernels.QuantsOffset + 32 * t);
        var low = packed & Vector256.Create((byte)0x0F);
        var high = PackedNibbles.High256(packed);
        // Element order: sub-block 2t's low then high nibbles, then sub-block 2t + 1's.
        var codes = VectorHalves.Join(Avx2.Permute2x128(low, high, 0x20), Avx2.Permute2x128(low, high, 0x31));
        var magnitudes = Avx512BW.Shuffle(Vector512.Create(Magnitudes()), codes);
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(codes, Vector512.Create((byte)8)).AsSByte(), -activations, activations);
        var weights = VectorHalves.Join(Vector256.Create(SubBlockScale(block, 2 * t)), Vector256.Create(SubBlockScale(block, 2 * t + 1)));
        return Int8MultiplyAdd.UnsignedScaled(acc, magnitudes, signed, weights);
    }

    /// <summary>|level| for each code, for the byte shuffles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Magnitudes() => Vector128.Abs(Iq4NonLinearValues.Table).AsByte();

    /// <summary>−1 where the code's level is negative (codes 0–7), +1 elsewhere: the second operand of <c>vpsignb</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> LevelSigns(Vector256<byte> codes) =>
        Vector256.ConditionalSelect(Vector256.LessThan(codes, Vector256.Create((byte)8)), Vector256.Create((sbyte)-1).AsByte(), Vector256<byte>.One).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short SubBlockScale(byte* block, int s) => IQ4_XSKernels.SubBlockScale(ref *block, s);
}
