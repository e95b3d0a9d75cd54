using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q3_K: super-blocks of 256 elements, 110 bytes (ggml's block_q3_K); activations are Q8_K.
/// <code>
/// offset 0   : u8 hmask[32]    high bits: element 128h + 32j + l has bit (4h + j) of hmask[l]
/// offset 32  : u8 qs[64]       low 2 bits: element 128h + 32j + l (h in 0..1, j in 0..3, l in 0..31)
///                              is (qs[32h + l] >> 2j) &amp; 3
/// offset 96  : u8 scales[12]   16 six-bit scales, packed (see <see cref="DecodeScales"/>), stored plus 32
/// offset 108 : f16 d           super-block scale
/// </code>
/// Element e is <c>(d * (scale[e / 16] - 32)) * (low2 - (high bit set ? 0 : 4))</c>: quants lie in [-4, 3].
/// <para>
/// Dot semantics (vec_dot_q3_K_q8_K): per super-block the exact int isum = Σ_g (scale[g] - 32) · Σ q·q8, then in
/// block order <c>sum += (d · d8) · isum</c>. The vector paths multiply the unsigned codes low2 | high &lt;&lt; 2
/// (= q + 4, in [0, 7]) and take the offset out through the activation block sums (4 · Σ_g scale_g · bsums_g),
/// which is the same int, so they are bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q3_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 110;
    internal const int QuantsOffset = 32;
    internal const int ScalesOffset = 96;
    internal const int ScaleOffset = 108;

    /// <summary>
    /// The 16 signed scales (stored value minus 32). Scale s has its low 4 bits in the low nibble of byte s
    /// (s &lt; 8) or the high nibble of byte s - 8, and its top 2 bits in bits 2·(s / 4) .. 2·(s / 4) + 1 of byte 8 + s % 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeScales(ref byte packed, ref short scales)
    {
        for (int s = 0; s < 16; s++)
        {
            int low = s < 8 ? Unsafe.Add(ref packed, s) & 0xF : Unsafe.Add(ref packed, s - 8) >> 4;
            int high = (Unsafe.Add(ref packed, 8 + s % 4) >> (2 * (s / 4))) & 3;
            Unsafe.Add(ref scales, s) = (short)((low | (high << 4)) - 32);
        }
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        Span<short> scales = stackalloc short[16];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_KKernels.BytesPerBlock, Q8_KKernels.BytesPerBlock);
            DecodeQuantsScalar(w, quants);
            DecodeScales(ref MemoryMarshal.GetReference(w[ScalesOffset..]), ref MemoryMarshal.GetReference(scales));
            var q8 = MemoryMarshal.Cast<byte, sbyte>(a.Slice(Q8_KKernels.QuantsOffset, BlockSize));
            int isum = 0;
            for (int g = 0; g < 16; g++)
            {
                int group = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) group += quants[e] * q8[e];
                isum += scales[g] * group;
            }
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w[ScaleOffset..])) * BitConverter.ToSingle(a) * isum;
        }
        return sum;
    }

    /// <summary>The 256 signed quants (-4..3) of one block in element order, as the layout comment spells it.</summary>
    internal static void DecodeQuantsScalar(ReadOnlySpan<byte> block, Span<sbyte> quants)
    {
        for (int h = 0; h < 2; h++)
        for (int j = 0; j < 4; j++)
        for (int l = 0; l < 32; l++)
        {
            int low = (block[QuantsOffset + 32 * h + l] >> (2 * j)) & 3;
            bool high = ((block[l] >> (4 * h + j)) & 1) != 0;
            quants[128 * h + 32 * j + l] = (sbyte)(low - (high ? 0 : 4));
        }
    }

    /// <summary>The unsigned codes low2 | high &lt;&lt; 2 (the quant plus 4) of one block, 256 bytes at <paramref name="codes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeCodes(ref byte block, ref byte codes)
    {
        ref byte qs = ref Unsafe.Add(ref block, QuantsOffset);
        if (Vector256.IsHardwareAccelerated)
        {
            var three = Vector256.Create((byte)3);
            var one = Vector256.Create((byte)1);
            var highBits = Vector256.LoadUnsafe(ref block);
            for (int h = 0; h < 2; h++)
            {
                var packed = Vector256.LoadUnsafe(ref qs, (nuint)(32 * h));
                for (int j = 0; j < 4; j++)
                {
                    var code = ((packed >>> (2 * j)) & three) | (((highBits >>> (4 * h + j)) & one) << 2);
                    code.StoreUnsafe(ref codes, (nuint)(128 * h + 32 * j));
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var three = Vector128.Create((byte)3);
            var one = Vector128.Create((byte)1);
            for (int part = 0; part < 2; part++)
            {
                var highBits = Vector128.LoadUnsafe(ref block, (nuint)(16 * part));
                for (int h = 0; h < 2; h++)
                {
                    var packed = Vector128.LoadUnsafe(ref qs, (nuint)(32 * h + 16 * part));
                    for (int j = 0; j < 4; j++)
                    {
                        var code = ((packed >>> (2 * j)) & three) | (((highBits >>> (4 * h + j)) & one) << 2);
                        code.StoreUnsafe(ref codes, (nuint)(128 * h + 32 * j + 16 * part));
                    }
                }
            }
        }
        else
        {
            for (int h = 0; h < 2; h++)
            for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
            {
                int low = (Unsafe.Add(ref qs, 32 * h + l) >> (2 * j)) & 3;
                int high = (Unsafe.Add(ref block, l) >> (4 * h + j)) & 1;
                Unsafe.Add(ref codes, 128 * h + 32 * j + l) = (byte)(low | (high << 2));
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (Int8MultiplyAdd.Is256Supported)
            return SuperBlockRowsKernels<Q3_KSuperBlock>.DotRow(weightRow, activationRow, blocks);
        ref byte wRow = ref MemoryMarshal.GetReference(weightRow);
        ref byte aRow = ref MemoryMarshal.GetReference(activationRow);
        Span<byte> codeBuffer = stackalloc byte[BlockSize];
        Span<short> scaleBuffer = stackalloc short[ScaledGroupDot.Groups];
        ref byte codes = ref MemoryMarshal.GetReference(codeBuffer);
        ref short scales = ref MemoryMarshal.GetReference(scaleBuffer);
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            ref byte w = ref Unsafe.Add(ref wRow, b * BytesPerBlock);
            ref byte a = ref Unsafe.Add(ref aRow, b * Q8_KKernels.BytesPerBlock);
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref a, Q8_KKernels.BlockSumsOffset));
            DecodeScales(ref Unsafe.Add(ref w, ScalesOffset), ref scales);
            int offsetCorrection = 0;
            for (int g = 0; g < 16; g++) offsetCorrection += Unsafe.Add(ref scales, g) * Unsafe.Add(ref bsums, g);
            DecodeCodes(ref w, ref codes);
            int isum = ScaledGroupDot.Unsigned(ref codes, ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset)), ref scales);
            isum -= 4 * offsetCorrection;
            sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref w, ScaleOffset)) * Unsafe.ReadUnaligned<float>(ref a) * isum;
        }
        return sum;
    }

    /// <summary>
    /// isum of one super-block as lanes, the codes and scales built in registers (no 256-byte decode through memory):
    /// each 512-bit step takes the 64 elements of quarters j, j + 1 of half h (codes low2 | high &lt;&lt; 2, 0..7) against 64
    /// contiguous q8, the pair sums weighted by their group's signed scale; the codes' offset of 4 comes out through
    /// the block sums. The lanes add up to <see cref="DotScalar"/>'s int.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<int> Lanes512(byte* block, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, Vector256<short> blockSums)
    {
        var scales = SignedScales(block);
        var scales512 = VectorHalves.Repeat(scales);
        var highBits = Vector256.Load(block);
        var acc = Step(Vector512<int>.Zero, block, highBits, c0, scales512, 0);
        acc = Step(acc, block, highBits, c1, scales512, 1);
        acc = Step(acc, block, highBits, c2, scales512, 2);
        acc = Step(acc, block, highBits, c3, scales512, 3);
        return SuperBlockLanes.Fold(acc) - (Avx2.MultiplyAddAdjacent(scales, blockSums) << 2);
    }

    /// <summary>As <see cref="Lanes512"/> with 256-bit steps: 32 elements (two groups, quarter p mod 4 of half p / 4) each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<int> Lanes256(byte* block, sbyte* q8, Vector256<short> blockSums)
    {
        var scales = SignedScales(block);
        var three = Vector256.Create((byte)3);
        var one = Vector256.Create((byte)1);
        var highBits = Vector256.Load(block);
        var acc = Vector256<int>.Zero;
        for (int p = 0; p < 8; p++)
        {
            int h = p >> 2, j = p & 3;
            var codes = ((Vector256.Load(block + QuantsOffset + 32 * h) >>> (2 * j)) & three) | (((highBits >>> (4 * h + j)) & one) << 2);
            acc = Int8MultiplyAdd.UnsignedScaled(acc, codes, Vector256.Load(q8 + 32 * p), GroupScaleLanes.Step256(scales, p));
        }
        return acc - (Avx2.MultiplyAddAdjacent(scales, blockSums) << 2);
    }

    /// <summary>
    /// The sixteen scales minus 32, from the twelve packed bytes with 64-bit integer operations: scale s has its low
    /// nibble in byte s (s &lt; 8) or the high nibble of byte s − 8, its top two bits at bits 2·(s / 4) of byte 8 + s % 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> SignedScales(byte* block)
    {
        ulong low = Unsafe.ReadUnaligned<ulong>(block + ScalesOffset);
        ulong top = Unsafe.ReadUnaligned<uint>(block + ScalesOffset + 8);
        const ulong Nibbles = 0x0F0F0F0F0F0F0F0FUL, Pairs = 0x03030303UL;
        ulong first = (low & Nibbles) | (((top & Pairs) | (((top >> 2) & Pairs) << 32)) << 4);
        ulong second = ((low >> 4) & Nibbles) | ((((top >> 4) & Pairs) | (((top >> 6) & Pairs) << 32)) << 4);
        return Avx2.ConvertToVector256Int16(Vector128.Create(first, second).AsByte()) - Vector256.Create((short)32);
    }

    /// <summary>Elements 64·step … 64·step + 63: quarters j and j + 1 (j = 2·(step mod 2)) of half step / 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> Step(Vector512<int> acc, byte* block, Vector256<byte> highBits, Vector512<sbyte> activations, Vector512<short> scales512, int step)
    {
        int h = step >> 1, j = 2 * (step & 1);
        var three = Vector256.Create((byte)3);
        var one = Vector256.Create((byte)1);
        var packed = Vector256.Load(block + QuantsOffset + 32 * h);
        var codes0 = ((packed >>> (2 * j)) & three) | (((highBits >>> (4 * h + j)) & one) << 2);
        var codes1 = ((packed >>> (2 * j + 2)) & three) | (((highBits >>> (4 * h + j + 1)) & one) << 2);
        return Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(codes0, codes1), activations, GroupScaleLanes.Step512(scales512, step));
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: false);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: true);

    private static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination, bool vectorized)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        Span<short> scales = stackalloc short[16];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            if (vectorized)
            {
                ref byte codes = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(quants));
                DecodeCodes(ref MemoryMarshal.GetReference(block), ref codes);
                for (int i = 0; i < BlockSize; i += 32)
                {
                    // Codes are the quants plus 4.
                    var span = quants.Slice(i, 32);
                    if (Vector256.IsHardwareAccelerated)
                        (Vector256.Create(span) - Vector256.Create((sbyte)4)).CopyTo(span);
                    else
                        for (int k = 0; k < 32; k++) span[k] -= 4;
                }
            }
            else
            {
                DecodeQuantsScalar(block, quants);
            }
            DecodeScales(ref MemoryMarshal.GetReference(block[ScalesOffset..]), ref MemoryMarshal.GetReference(scales));
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block[ScaleOffset..]));
            for (int g = 0; g < 16; g++)
            {
                // ggml: dl = d * (scale - 32), then dl * q.
                float scale = d * scales[g];
                var y = destination.Slice(b * BlockSize + 16 * g, 16);
                var q = quants.Slice(16 * g, 16);
                if (vectorized) Int8Expansion.Scale(q, scale, 0f, y);
                else Int8Expansion.ScaleScalar(q, scale, 0f, y);
            }
        }
    }
}
