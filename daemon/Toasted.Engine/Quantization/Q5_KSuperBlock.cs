using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// A Q5_K super-block's ints (<see cref="IRowSuperBlock"/>), the quants built in registers: Q4_K's nibbles
/// with bit s of qh[l] as the fifth bit of element l of sub-block s. A pair sum is at most 2 · 31 · 128 and the
/// scales at most 63, so every step is exact and the ints equal <see cref="Q5_KKernels.DotScalar"/>'s.
/// </summary>
internal readonly unsafe struct Q5_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q5_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q5_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q5_KKernels.DotScalar(weightRow, activationRow, length);

    public static bool HasMinTerm => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes)
    {
        return Ints512(block, c0, c1, c2, c3, Q4_KSuperBlock.Header(block, activationBlock, out minLanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        return Ints256(block, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, Q4_KSuperBlock.Header(block, activationBlock, out minLanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => Q4_KSuperBlock.Add(sum, isum, minTerm, block, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        Q4_KSuperBlock.Add(sums, isums, minTerms, b0, b1, b2, b3, d8);

    /// <summary>One 512-bit step per chunk: its 64 quants (sub-block 2c, then 2c + 1) against 64 contiguous q8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Ints512(byte* block, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, ulong scales)
    {
        var highBits = Vector256.Load(block + Q5_KKernels.HighBitsOffset);
        var acc = Chunk512(Vector512<int>.Zero, block, highBits, c0, scales, 0);
        acc = Chunk512(acc, block, highBits, c1, scales, 1);
        acc = Chunk512(acc, block, highBits, c2, scales, 2);
        acc = Chunk512(acc, block, highBits, c3, scales, 3);
        return SuperBlockLanes.Fold(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Chunk512(Vector512<int> acc, byte* block, Vector256<byte> highBits, Vector512<sbyte> activations, ulong scales, int chunk)
    {
        var (low, high) = ChunkQuants(Vector256.Load(block + Q5_KKernels.QuantsOffset + 32 * chunk), highBits, chunk);
        var weights = VectorHalves.Join(Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        return Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(low, high), activations, weights);
    }

    /// <summary>With 256-bit steps, one per sub-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Ints256(byte* block, sbyte* q8, ulong scales)
    {
        var highBits = Vector256.Load(block + Q5_KKernels.HighBitsOffset);
        var acc = Vector256<int>.Zero;
        for (int chunk = 0; chunk < 4; chunk++)
        {
            var (low, high) = ChunkQuants(Vector256.Load(block + Q5_KKernels.QuantsOffset + 32 * chunk), highBits, chunk);
            acc = Int8MultiplyAdd.UnsignedScaled(acc, low, Vector256.Load(q8 + 64 * chunk), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)));
            acc = Int8MultiplyAdd.UnsignedScaled(acc, high, Vector256.Load(q8 + 64 * chunk + 32), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        }
        return acc;
    }

    /// <summary>
    /// The quants (0..31) of sub-blocks 2c and 2c + 1 from chunk c's 32 packed bytes and the block's fifth bits: a
    /// nibble, and bit s of its qh byte moved to bit 4 (shifted within each 16-bit lane, which keeps bit s of either
    /// byte at bit 4 of the same byte, then masked).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte> Low, Vector256<byte> High) ChunkQuants(Vector256<byte> packed, Vector256<byte> highBits, int chunk)
    {
        var fifth = Vector256.Create((byte)0x10);
        var bits = highBits.AsUInt16();
        var low = (packed & Vector256.Create((byte)0xF)) | (((bits >>> (2 * chunk)) << 4).AsByte() & fifth);
        var high = PackedNibbles.High256(packed) | (((bits >>> (2 * chunk + 1)) << 4).AsByte() & fifth);
        return (low, high);
    }
}
