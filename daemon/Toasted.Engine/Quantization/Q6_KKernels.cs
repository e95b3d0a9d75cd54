using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q6_K: super-blocks of 256 elements, 210 bytes (ggml's block_q6_K); activations are Q8_K.
/// <code>
/// offset 0   : u8 ql[128]      low 4 bits of each quant
/// offset 128 : u8 qh[64]       high 2 bits of each quant
/// offset 192 : i8 scales[16]   one scale per 16 elements
/// offset 208 : f16 d           super-block scale
/// </code>
/// For half h in 0..1 (128 elements, ql += 64h, qh += 32h, element base 128h) and l in 0..31:
/// element l      = (ql[l] &amp; 0xF)    | ((qh[l] >> 0 &amp; 3) &lt;&lt; 4),
/// element l + 32 = (ql[l + 32] &amp; 0xF) | ((qh[l] >> 2 &amp; 3) &lt;&lt; 4),
/// element l + 64 = (ql[l] >> 4)       | ((qh[l] >> 4 &amp; 3) &lt;&lt; 4),
/// element l + 96 = (ql[l + 32] >> 4)  | ((qh[l] >> 6 &amp; 3) &lt;&lt; 4); each minus 32, times d * scales[e / 16].
/// <para>
/// Dot semantics (vec_dot_q6_K_q8_K): per super-block the exact int isum = Σ_g scales[g] · Σ (q - 32)·q8,
/// then in block order <c>sum += (d · d8) · isum</c>. The vector paths multiply the unsigned 6-bit quants
/// and take the -32 offset out through the activation block sums (32 · Σ_g scales[g] · bsums[g]), which is
/// the same int, so they are bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q6_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 210;
    internal const int HighBitsOffset = 128;
    internal const int ScalesOffset = 192;
    internal const int ScaleOffset = 208;

    /// <summary>Lane i of a 512-bit step of pair sums belongs to the (i / 8)-th group of that step.</summary>
    private static readonly Vector512<short> GroupOfLane = Vector512.Create(
        (short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_KKernels.BytesPerBlock, Q8_KKernels.BytesPerBlock);
            DecodeQuantsScalar(w, quants);
            var q8 = MemoryMarshal.Cast<byte, sbyte>(a.Slice(Q8_KKernels.QuantsOffset, BlockSize));
            int isum = 0;
            for (int g = 0; g < 16; g++)
            {
                int group = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) group += quants[e] * q8[e];
                isum += (sbyte)w[ScalesOffset + g] * group;
            }
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w[ScaleOffset..])) * BitConverter.ToSingle(a) * isum;
        }
        return sum;
    }

    /// <summary>The 256 signed quants (q - 32) of one block in element order.</summary>
    private static void DecodeQuantsScalar(ReadOnlySpan<byte> block, Span<sbyte> quants)
    {
        for (int h = 0; h < 2; h++)
        {
            var ql = block.Slice(64 * h, 64);
            var qh = block.Slice(HighBitsOffset + 32 * h, 32);
            var q = quants.Slice(128 * h, 128);
            for (int l = 0; l < 32; l++)
            {
                q[l] = (sbyte)(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
                q[l + 32] = (sbyte)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                q[l + 64] = (sbyte)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                q[l + 96] = (sbyte)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
            }
        }
    }

    /// <summary>The unsigned 6-bit quants of 32 consecutive elements (quarter 0..3 of half h), as in the layout comment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Quarter(Vector256<byte> ql0, Vector256<byte> ql1, Vector256<byte> qh, int quarter)
    {
        var three = Vector256.Create((byte)3);
        var lowMask = Vector256.Create((byte)0xF);
        return quarter switch
        {
            0 => (ql0 & lowMask) | ((qh & three) << 4),
            1 => (ql1 & lowMask) | (((qh >>> 2) & three) << 4),
            2 => (ql0 >>> 4) | (((qh >>> 4) & three) << 4),
            _ => (ql1 >>> 4) | ((qh >>> 6) << 4),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Quarter(Vector128<byte> ql0, Vector128<byte> ql1, Vector128<byte> qh, int quarter)
    {
        var three = Vector128.Create((byte)3);
        var lowMask = Vector128.Create((byte)0xF);
        return quarter switch
        {
            0 => (ql0 & lowMask) | ((qh & three) << 4),
            1 => (ql1 & lowMask) | (((qh >>> 2) & three) << 4),
            2 => (ql0 >>> 4) | (((qh >>> 4) & three) << 4),
            _ => (ql1 >>> 4) | ((qh >>> 6) << 4),
        };
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (!Int8MultiplyAdd.Is128Supported) return DotScalar(weightRow, activationRow, length);
        ref byte wRow = ref MemoryMarshal.GetReference(weightRow);
        ref byte aRow = ref MemoryMarshal.GetReference(activationRow);
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            ref byte w = ref Unsafe.Add(ref wRow, b * BytesPerBlock);
            ref byte a = ref Unsafe.Add(ref aRow, b * Q8_KKernels.BytesPerBlock);
            ref sbyte scales = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref w, ScalesOffset));
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset));
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref a, Q8_KKernels.BlockSumsOffset));
            int offsetCorrection;
            // The 16 scales widened to shorts serve both the offset correction and the per-group weights.
            var wideScales = Avx2.IsSupported ? Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref scales)) : default;
            if (Avx2.IsSupported)
            {
                offsetCorrection = Vector256.Sum(Avx2.MultiplyAddAdjacent(wideScales, Vector256.LoadUnsafe(ref bsums)));
            }
            else
            {
                offsetCorrection = 0;
                for (int g = 0; g < 16; g++) offsetCorrection += Unsafe.Add(ref scales, g) * Unsafe.Add(ref bsums, g);
            }
            int isum;
            if (Int8MultiplyAdd.Is512Supported)
            {
                var scales512 = VectorHalves.Repeat(wideScales);
                var acc = Vector512<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var ql0 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h));
                    var ql1 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h + 32));
                    var qh = Vector256.LoadUnsafe(ref w, (nuint)(HighBitsOffset + 32 * h));
                    for (int pair = 0; pair < 2; pair++)
                    {
                        int g = 8 * h + 4 * pair;
                        var quants = VectorHalves.Join(Quarter(ql0, ql1, qh, 2 * pair), Quarter(ql0, ql1, qh, 2 * pair + 1));
                        // Lanes 8k .. 8k+7 (the pair sums of group g + k) all take scale g + k.
                        var weights = Avx512BW.PermuteVar32x16(scales512, GroupOfLane + Vector512.Create((short)g));
                        acc = Int8MultiplyAdd.UnsignedScaled(acc, quants, Vector512.LoadUnsafe(ref q8, (nuint)(16 * g)), weights);
                    }
                }
                isum = Vector512.Sum(acc);
            }
            else if (Int8MultiplyAdd.Is256Supported)
            {
                var acc = Vector256<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var ql0 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h));
                    var ql1 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h + 32));
                    var qh = Vector256.LoadUnsafe(ref w, (nuint)(HighBitsOffset + 32 * h));
                    for (int quarter = 0; quarter < 4; quarter++)
                    {
                        int g = 8 * h + 2 * quarter;
                        var weights = Vector256.Create(Vector128.Create((short)Unsafe.Add(ref scales, g)), Vector128.Create((short)Unsafe.Add(ref scales, g + 1)));
                        acc = Int8MultiplyAdd.UnsignedScaled(acc, Quarter(ql0, ql1, qh, quarter), Vector256.LoadUnsafe(ref q8, (nuint)(16 * g)), weights);
                    }
                }
                isum = Vector256.Sum(acc);
            }
            else
            {
                var acc = Vector128<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    for (int part = 0; part < 2; part++)
                    {
                        // Bytes 16·part .. 16·part+15 of each 32-byte row: the first or second 16 elements of every quarter.
                        var ql0 = Vector128.LoadUnsafe(ref w, (nuint)(64 * h + 16 * part));
                        var ql1 = Vector128.LoadUnsafe(ref w, (nuint)(64 * h + 32 + 16 * part));
                        var qh = Vector128.LoadUnsafe(ref w, (nuint)(HighBitsOffset + 32 * h + 16 * part));
                        for (int quarter = 0; quarter < 4; quarter++)
                        {
                            int g = 8 * h + 2 * quarter + part;
                            acc = Int8MultiplyAdd.UnsignedScaled(acc, Quarter(ql0, ql1, qh, quarter), Vector128.LoadUnsafe(ref q8, (nuint)(16 * g)), Vector128.Create((short)Unsafe.Add(ref scales, g)));
                        }
                    }
                }
                isum = Vector128.Sum(acc);
            }
            isum -= 32 * offsetCorrection;
            sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref w, ScaleOffset)) * Unsafe.ReadUnaligned<float>(ref a) * isum;
        }
        return sum;
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: false);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: true);

    private static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination, bool vectorized)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            if (vectorized && Vector256.IsHardwareAccelerated)
            {
                ref byte w = ref MemoryMarshal.GetReference(block);
                var minus32 = Vector256.Create((sbyte)32);
                for (int h = 0; h < 2; h++)
                {
                    var ql0 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h));
                    var ql1 = Vector256.LoadUnsafe(ref w, (nuint)(64 * h + 32));
                    var qh = Vector256.LoadUnsafe(ref w, (nuint)(HighBitsOffset + 32 * h));
                    for (int quarter = 0; quarter < 4; quarter++)
                        (Quarter(ql0, ql1, qh, quarter).AsSByte() - minus32).CopyTo(quants.Slice(128 * h + 32 * quarter, 32));
                }
            }
            else
            {
                DecodeQuantsScalar(block, quants);
            }
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block[ScaleOffset..]));
            for (int g = 0; g < 16; g++)
            {
                // ggml computes d * scale * q left to right: (d * scale) rounds once, then times q.
                float scale = d * (sbyte)block[ScalesOffset + g];
                var y = destination.Slice(b * BlockSize + 16 * g, 16);
                var q = quants.Slice(16 * g, 16);
                if (vectorized) Int8Expansion.Scale(q, scale, 0f, y);
                else Int8Expansion.ScaleScalar(q, scale, 0f, y);
            }
        }
    }
}
