using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// An IQ4_XS super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += (d · d8) · isum</c>, isum built
/// in registers. Each 512-bit step takes sub-blocks 2t and 2t + 1 (their 32 packed bytes): the nibbles as they lie (the
/// activations permuted to match), the magnitudes of their levels by one byte shuffle, and the activations negated where the level is negative (codes
/// 0–7), so <c>vpmaddubsw</c> multiplies |level| by ±q8 (q8 in [−127, 127]; a pair sum at most 2 · 127 · 127); then one
/// <c>vpmaddwd</c> by the sub-block scales (one permute from the eight built per block). The ints are <see cref="IQ4_XSKernels.DotScalar"/>'s.
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
        var scales = SignedScales(block).ToVector256Unsafe().ToVector512Unsafe();
        var acc = Step512(Vector512<int>.Zero, block, c0, scales, 0);
        acc = Step512(acc, block, c1, scales, 1);
        acc = Step512(acc, block, c2, scales, 2);
        acc = Step512(acc, block, c3, scales, 3);
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
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => SuperBlockLanes.AddScaled(sum, isum, block, 0, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        SuperBlockLanes.AddScaled(sums, isums, b0, b1, b2, b3, 0, d8);

    /// <summary>
    /// Sub-blocks 2<paramref name="t"/> and 2<paramref name="t"/> + 1, 64 elements: their 32 packed bytes' low nibbles then
    /// high nibbles as they lie, which puts the elements in the order 0–15, 32–47, 16–31, 48–63 of the step; the activation
    /// chunk takes that order instead (one 128-bit lane permute, the same for the four rows), and the pair sums of
    /// 128-bit lane k belong to sub-block 2t + k mod 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Step512(Vector512<int> acc, byte* block, Vector512<sbyte> activations, Vector512<short> scales, int t)
    {
        var packed = Vector256.Load(block + IQ4_XSKernels.QuantsOffset + 32 * t);
        var codes = VectorHalves.Join(packed & Vector256.Create((byte)0x0F), PackedNibbles.High256(packed));
        var ordered = Avx512F.Shuffle4x128(activations.AsInt64(), activations.AsInt64(), 0b11_01_10_00).AsSByte();
        var magnitudes = Avx512BW.Shuffle(Vector512.Create(Magnitudes()), codes);
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(codes, Vector512.Create((byte)8)).AsSByte(), -ordered, ordered);
        var subBlockOfLane = Vector512.Create((short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        var weights = Avx512BW.PermuteVar32x16(scales, subBlockOfLane + Vector512.Create((short)(2 * t)));
        return Int8MultiplyAdd.UnsignedScaled(acc, magnitudes, signed, weights);
    }

    /// <summary>
    /// The eight signed sub-block scales (ls − 32) as shorts: the low nibbles of scales_l spread to one per byte and the
    /// bit pairs of scales_h to bits 4–5 of the same bytes by two bit deposits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> SignedScales(byte* block)
    {
        ulong packed;
        if (Bmi2.X64.IsSupported)
        {
            packed = Bmi2.X64.ParallelBitDeposit(Unsafe.ReadUnaligned<uint>(block + IQ4_XSKernels.ScalesLowOffset), 0x0F0F0F0F0F0F0F0FUL)
                | Bmi2.X64.ParallelBitDeposit(Unsafe.ReadUnaligned<ushort>(block + IQ4_XSKernels.ScalesHighOffset), 0x3030303030303030UL);
        }
        else
        {
            packed = 0;
            for (int s = 0; s < 8; s++) packed |= (ulong)(byte)(SubBlockScale(block, s) + 32) << (8 * s);
        }
        return Sse41.ConvertToVector128Int16(Vector128.CreateScalarUnsafe(packed).AsByte()) - Vector128.Create((short)32);
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
