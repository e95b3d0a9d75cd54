using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>A Q4_K super-block's ints (<see cref="IRowSuperBlock"/>): chunk c's 32 bytes hold sub-block 2c in their low nibbles and 2c + 1 in their high ones.</summary>
internal readonly unsafe struct Q4_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q4_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q4_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q4_KKernels.DotScalar(weightRow, activationRow, length);

    public static bool HasMinTerm => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes)
    {
        return Ints512(block, c0, c1, c2, c3, Header(block, activationBlock, out minLanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        return Ints256(block, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, Header(block, activationBlock, out minLanes));
    }

    /// <summary>
    /// The header a Q4_K or Q5_K block shares: its eight 6-bit scales packed one per byte (returned) and the lanes of
    /// its mins times the activation's block sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Header(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        Q4_KKernels.DecodeScalesAndMinsPacked(ref block[Q4_KKernels.ScalesOffset], out ulong scales, out ulong mins);
        minLanes = Q4_KKernels.MinLanes(ref *activationBlock, mins);
        return scales;
    }

    /// <summary>
    /// The float steps of a Q4_K or Q5_K block (the same header) after its ints: <c>sum += (d · d8) · isum;
    /// sum -= (dmin · d8) · imins</c>, as the one-row dots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8)
    {
        sum += Q8_0Kernels.Scale(ref *block) * d8 * isum;
        sum -= Q8_0Kernels.Scale(ref block[Q4_KKernels.MinScaleOffset]) * d8 * minTerm;
        return sum;
    }

    /// <summary>As <see cref="Add(float, int, int, byte*, float)"/> for four rows' blocks, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8)
    {
        var scale = Vector128.Create(d8);
        sums += SuperBlockLanes.Scales(b0, b1, b2, b3, 0) * scale * Vector128.ConvertToSingle(isums);
        sums -= SuperBlockLanes.Scales(b0, b1, b2, b3, Q4_KKernels.MinScaleOffset) * scale * Vector128.ConvertToSingle(minTerms);
        return sums;
    }

    /// <summary>One 512-bit step per chunk: low nibbles then high nibbles line up with 64 contiguous q8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Ints512(byte* block, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, ulong scales)
    {
        byte* q4 = block + Q4_KKernels.QuantsOffset;
        var acc = Chunk512(Vector512<int>.Zero, q4, c0, scales, 0);
        acc = Chunk512(acc, q4, c1, scales, 1);
        acc = Chunk512(acc, q4, c2, scales, 2);
        acc = Chunk512(acc, q4, c3, scales, 3);
        return SuperBlockLanes.Fold(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Chunk512(Vector512<int> acc, byte* q4, Vector512<sbyte> activations, ulong scales, int chunk)
    {
        var packed = Vector256.Load(q4 + 32 * chunk);
        var nibbles = VectorHalves.Join(packed & Vector256.Create((byte)0xF), PackedNibbles.High256(packed));
        var weights = VectorHalves.Join(Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        return Int8MultiplyAdd.UnsignedScaled(acc, nibbles, activations, weights);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Ints256(byte* block, sbyte* q8, ulong scales)
    {
        byte* q4 = block + Q4_KKernels.QuantsOffset;
        var mask = Vector256.Create((byte)0xF);
        var acc = Vector256<int>.Zero;
        for (int chunk = 0; chunk < 4; chunk++)
        {
            var packed = Vector256.Load(q4 + 32 * chunk);
            acc = Int8MultiplyAdd.UnsignedScaled(acc, packed & mask, Vector256.Load(q8 + 64 * chunk), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)));
            acc = Int8MultiplyAdd.UnsignedScaled(acc, PackedNibbles.High256(packed), Vector256.Load(q8 + 64 * chunk + 32), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        }
        return acc;
    }
}
