using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Eight weight rows repacked so that one 256-bit int8 multiply-add serves all eight at once: lane i
/// (bytes 4i..4i+3) of a quant vector belongs to row i. The matrix kernels then broadcast four
/// activation bytes of one token against the vector and get eight rows' partial sums side by side,
/// and every per-row scale becomes one vector of eight lanes.
/// <para>
/// Per weight block the panel holds, in order:
/// <code>
/// quants   : for each 32 elements g, vectors j = 0..7 of 32 bytes; lane i = row i's elements 32g+4j .. 32g+4j+3,
///            stored unsigned: Q4_0, Q4_1 and Q4_K nibbles 0..15, Q5_1 and Q5_K codes 0..31, Q6_K codes 0..63,
///            Q8_0 quants + 128 (IQ4_NL levels and Q5_0 quants − 16 likewise + 128, so that they run as Q8_0),
///            Q3_K quants + 32 (28..35, so that Q6_K's offset of 32 gives them back), Q2_K quants 0..3,
///            IQ4_XS levels as signed bytes (−127..113)
/// Q4_0/Q8_0/IQ4_NL/Q5_0: f32 d[8]
/// Q4_1,Q5_1: f32 d[8], f32 m[8]
/// Q4_K,Q5_K: i32 scale[8 sub-blocks][8 rows], i16 (min, min)[8 sub-blocks][8 rows], f32 d[8], f32 -dmin[8]
/// IQ4_XS   : as Q4_K with the signed sub-block scales (scale − 32) and the mins and -dmin zero
/// Q6_K,Q3_K: i32 scale[16 groups][8 rows], i16 (scale[2k], scale[2k+1])[8 pairs][8 rows], f32 d[8] (Q3_K: its scales
///            minus 32, the signed scales Q6_K stores)
/// Q2_K     : i32 scale[16 groups][8 rows], i16 (min[2k], min[2k+1])[8 pairs][8 rows], f32 d[8], f32 -dmin[8]
/// </code>
/// Rows past the end of the weight are zeros, so a partial panel computes zeros for them.
/// </para>
/// </summary>
internal static unsafe class WeightPanel
{
    public const int Rows = 8;
    public const int GroupBytes = 256;
    private const int VectorBytes = 32;

    public static bool IsSupported(GgmlType type) =>
        IsBlock32(type) || type is GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS;

    /// <summary>Bytes of one packed weight block of eight rows.</summary>
    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL or GgmlType.Q5_0 => GroupBytes + VectorBytes,
        GgmlType.Q4_1 or GgmlType.Q5_1 => GroupBytes + 2 * VectorBytes,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.IQ4_XS => 8 * GroupBytes + 8 * VectorBytes + 8 * VectorBytes + 2 * VectorBytes,
        GgmlType.Q6_K or GgmlType.Q3_K => 8 * GroupBytes + 16 * VectorBytes + 8 * VectorBytes + VectorBytes,
        GgmlType.Q2_K => 8 * GroupBytes + 16 * VectorBytes + 8 * VectorBytes + 2 * VectorBytes,
        _ => throw new NotSupportedException($"{type} has no packed panel"),
    };

    /// <summary>Offset of the extras (scales) inside a packed block.</summary>
    public static int ExtrasOffset(GgmlType type) => IsBlock32(type) ? GroupBytes : 8 * GroupBytes;

    /// <summary>Whether the type's panel is one of 32-element blocks with one scale each, and for Q4_1 and Q5_1 one offset
    /// (<see cref="Block32PanelKernel"/>).</summary>
    public static bool IsBlock32(GgmlType type) =>
        type is GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL or GgmlType.Q5_0 or GgmlType.Q4_1 or GgmlType.Q5_1;

    /// <summary>Whether a 32-element type's blocks carry an offset m (Q4_1, Q5_1): its panel then holds m[8] after d[8],
    /// and it takes Q8_1 activations.</summary>
    public static bool HasMin(GgmlType type) => type is GgmlType.Q4_1 or GgmlType.Q5_1;

    /// <summary>Bytes of the row-major staging area <see cref="Pack"/> needs for rows of <paramref name="length"/> elements.</summary>
    public static int StagingBytes(int length) => Rows * length;

    /// <summary>
    /// Packs rows <paramref name="firstRow"/> .. firstRow + <paramref name="rowCount"/> − 1 (at most eight),
    /// blocks <paramref name="firstBlock"/> .. firstBlock + <paramref name="blocks"/> − 1, into <paramref name="panel"/>.
    /// <paramref name="vectorized"/> = false is the scalar reference of the same bytes.
    /// </summary>
    public static void Pack(GgmlType type, byte* weights, long rowBytes, int rowCount, int firstBlock, int blocks,
        byte* staging, byte* panel, bool vectorized)
    {
        var traits = QuantTraitsTable.Get(type);
        int blockSize = traits.BlockSize;
        int elements = blocks * blockSize;
        int blockBytes = BlockBytes(type);
        int extras = ExtrasOffset(type);
        // Decode each row's codes into a row-major staging area, then transpose 32-element groups into lanes.
        for (int r = 0; r < Rows; r++)
        {
            byte* codes = staging + (long)r * elements;
            if (r >= rowCount)
            {
                new Span<byte>(codes, elements).Clear();
                continue;
            }
            byte* row = weights + r * rowBytes + (long)firstBlock * traits.BytesPerBlock;
            for (int b = 0; b < blocks; b++)
                DecodeCodes(type, row + (long)b * traits.BytesPerBlock, codes + (long)b * blockSize, vectorized);
        }
        int groupsPerBlock = blockSize / 32;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = panel + (long)b * blockBytes;
            for (int g = 0; g < groupsPerBlock; g++)
            {
                byte* source = staging + (long)b * blockSize + 32 * g;
                if (vectorized && Avx2.IsSupported) TransposeGroup(source, elements, block + g * GroupBytes);
                else TransposeGroupScalar(source, elements, block + g * GroupBytes);
            }
            byte* extra = block + extras;
            new Span<byte>(extra, blockBytes - extras).Clear();
            for (int r = 0; r < rowCount; r++)
                WriteExtras(type, weights + r * rowBytes + (long)(firstBlock + b) * traits.BytesPerBlock, r, extra);
        }
    }

    /// <summary>The unsigned codes of one weight block in element order.</summary>
    private static void DecodeCodes(GgmlType type, byte* block, byte* codes, bool vectorized)
    {
        bool vector = vectorized && Vector128.IsHardwareAccelerated;
        switch (type)
        {
            case GgmlType.Q4_0:
                if (vector)
                {
                    var packed = Vector128.Load(block + 2);
                    (packed & Vector128.Create((byte)0xF)).Store(codes);
                    (packed >>> 4).Store(codes + 16);
                }
                else
                {
                    for (int j = 0; j < 16; j++)
                    {
                        codes[j] = (byte)(block[2 + j] & 0xF);
                        codes[j + 16] = (byte)(block[2 + j] >> 4);
                    }
                }
                break;
            case GgmlType.Q8_0:
                if (vector)
                {
                    var flip = Vector128.Create((byte)0x80);
                    (Vector128.Load(block + 2) ^ flip).Store(codes);
                    (Vector128.Load(block + 18) ^ flip).Store(codes + 16);
                }
                else
                {
                    for (int j = 0; j < 32; j++) codes[j] = (byte)(block[2 + j] ^ 0x80);
                }
                break;
            case GgmlType.IQ4_NL:
                Block32Codes<IQ4_NLKernels>(block, codes, vectorized);
                break;
            case GgmlType.Q5_0:
                Block32Codes<Q5_0Kernels>(block, codes, vectorized);
                break;
            case GgmlType.Q4_1:
                Block32Codes<Q4_1Kernels>(block, codes, vectorized);
                break;
            case GgmlType.Q5_1:
                Block32Codes<Q5_1Kernels>(block, codes, vectorized);
                break;
            case GgmlType.Q4_K:
                for (int chunk = 0; chunk < 4; chunk++)
                {
                    byte* q = block + 16 + 32 * chunk;
                    byte* low = codes + 64 * chunk;
                    if (vector)
                    {
                        for (int half = 0; half < 32; half += 16)
                        {
                            var packed = Vector128.Load(q + half);
                            (packed & Vector128.Create((byte)0xF)).Store(low + half);
                            (packed >>> 4).Store(low + 32 + half);
                        }
                    }
                    else
                    {
                        for (int l = 0; l < 32; l++)
                        {
                            low[l] = (byte)(q[l] & 0xF);
                            low[32 + l] = (byte)(q[l] >> 4);
                        }
                    }
                }
                break;
            case GgmlType.Q3_K:
                // Q3_K's value is d · (scale − 32) · q with q in −4..3; as Q6_K's d · scale' · (code − 32) that is code = q + 32.
                if (vector)
                {
                    Q3_KKernels.DecodeCodes(ref *block, ref *codes);
                    var shift = Vector128.Create((byte)28);
                    for (int i = 0; i < Q3_KKernels.BlockSize; i += 16) (Vector128.Load(codes + i) + shift).Store(codes + i);
                }
                else
                {
                    var quants = new Span<sbyte>(codes, Q3_KKernels.BlockSize);
                    Q3_KKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, Q3_KKernels.BytesPerBlock), quants);
                    for (int i = 0; i < Q3_KKernels.BlockSize; i++) codes[i] = (byte)(quants[i] + 32);
                }
                break;
            case GgmlType.Q2_K:
                if (vector) Q2_KKernels.DecodeQuants(ref *block, ref *codes);
                else Q2_KKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, Q2_KKernels.BytesPerBlock), new Span<sbyte>(codes, Q2_KKernels.BlockSize));
                break;
            case GgmlType.IQ4_XS:
                if (vector) IQ4_XSKernels.DecodeQuants(ref *block, ref *codes);
                else IQ4_XSKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, IQ4_XSKernels.BytesPerBlock), new Span<sbyte>(codes, IQ4_XSKernels.BlockSize));
                break;
            case GgmlType.Q5_K:
                if (vector) Q5_KKernels.DecodeQuants(ref *block, ref *codes);
                else Q5_KKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, Q5_KKernels.BytesPerBlock), new Span<sbyte>(codes, Q5_KKernels.BlockSize));
                break;
            case GgmlType.Q6_K:
                for (int h = 0; h < 2; h++)
                {
                    byte* ql = block + 64 * h;
                    byte* qh = block + 128 + 32 * h;
                    byte* q = codes + 128 * h;
                    if (vector)
                    {
                        var lowMask = Vector128.Create((byte)0xF);
                        var three = Vector128.Create((byte)3);
                        for (int half = 0; half < 32; half += 16)
                        {
                            var ql0 = Vector128.Load(ql + half);
                            var ql1 = Vector128.Load(ql + 32 + half);
                            var high = Vector128.Load(qh + half);
                            ((ql0 & lowMask) | ((high & three) << 4)).Store(q + half);
                            ((ql1 & lowMask) | (((high >>> 2) & three) << 4)).Store(q + 32 + half);
                            ((ql0 >>> 4) | (((high >>> 4) & three) << 4)).Store(q + 64 + half);
                            ((ql1 >>> 4) | ((high >>> 6) << 4)).Store(q + 96 + half);
                        }
                    }
                    else
                    {
                        for (int l = 0; l < 32; l++)
                        {
                            q[l] = (byte)((ql[l] & 0xF) | ((qh[l] & 3) << 4));
                            q[l + 32] = (byte)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
                            q[l + 64] = (byte)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
                            q[l + 96] = (byte)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
                        }
                    }
                }
                break;
        }
    }

    /// <summary>
    /// A 32-element block's codes as the panel stores them: the signed codes of the types without an offset (IQ4_NL, Q5_0)
    /// plus 128, as Q8_0's panel stores its quants; the codes of the types with one (Q4_1 0..15, Q5_1 0..31) are unsigned
    /// already and stay as they are.
    /// </summary>
    private static void Block32Codes<TCodes>(byte* block, byte* codes, bool vectorized) where TCodes : IBlock32Codes
    {
        byte flip = TCodes.HasMin ? (byte)0 : (byte)0x80;
        if (vectorized && Vector256.IsHardwareAccelerated)
        {
            (TCodes.Codes256(ref *block).AsByte() ^ Vector256.Create(flip)).Store(codes);
            return;
        }
        TCodes.DecodeScalar(new ReadOnlySpan<byte>(block, TCodes.WeightBlockBytes), new Span<sbyte>(codes, 32));
        for (int j = 0; j < 32; j++) codes[j] ^= flip;
    }

    /// <summary>Row <paramref name="row"/>'s lane of the per-row scales of one block.</summary>
    private static void WriteExtras(GgmlType type, byte* block, int row, byte* extra)
    {
        switch (type)
        {
            case GgmlType.Q4_0:
            case GgmlType.Q8_0:
            case GgmlType.IQ4_NL:
            case GgmlType.Q5_0:
                ((float*)extra)[row] = Float16Bits.ToSingle(*(ushort*)block);
                break;
            case GgmlType.Q4_1:
            case GgmlType.Q5_1:
                // Both keep f16 d then f16 m at the head of the block.
                ((float*)extra)[row] = Float16Bits.ToSingle(*(ushort*)block);
                ((float*)extra)[Rows + row] = Float16Bits.ToSingle(*(ushort*)(block + 2));
                break;
            case GgmlType.Q4_K:
            case GgmlType.Q5_K:
                {
                    // Q5_K keeps Q4_K's header: f16 d, f16 dmin, the twelve packed scale and min bytes.
                    Span<byte> scales = stackalloc byte[8];
                    Span<byte> mins = stackalloc byte[8];
                    Q4_KKernels.DecodeScalesAndMins(ref *(block + 4), scales, mins);
                    int* scaleLanes = (int*)extra;
                    short* minPairs = (short*)(extra + 8 * VectorBytes);
                    float* d = (float*)(extra + 16 * VectorBytes);
                    for (int s = 0; s < 8; s++)
                    {
                        scaleLanes[8 * s + row] = scales[s];
                        minPairs[16 * s + 2 * row] = mins[s];
                        minPairs[16 * s + 2 * row + 1] = mins[s];
                    }
                    d[row] = Float16Bits.ToSingle(*(ushort*)block);
                    d[8 + row] = -Float16Bits.ToSingle(*(ushort*)(block + 2));
                    break;
                }
            case GgmlType.Q3_K:
                {
                    short* scales = stackalloc short[16];
                    Q3_KKernels.DecodeScales(ref *(block + Q3_KKernels.ScalesOffset), ref *scales);
                    WriteGroupScales(scales, scales, row, extra);
                    ((float*)(extra + 24 * VectorBytes))[row] = Float16Bits.ToSingle(*(ushort*)(block + Q3_KKernels.ScaleOffset));
                    break;
                }
            case GgmlType.IQ4_XS:
                {
                    // Q4_K's lanes with the signed scales; mins and -dmin stay zero.
                    int* scaleLanes = (int*)extra;
                    for (int s = 0; s < 8; s++) scaleLanes[8 * s + row] = IQ4_XSKernels.SubBlockScale(ref *block, s);
                    ((float*)(extra + 16 * VectorBytes))[row] = Float16Bits.ToSingle(*(ushort*)block);
                    break;
                }
            case GgmlType.Q2_K:
                {
                    // The scales in the group-scale lanes, the mins where Q6_K keeps its scale pairs (Q2_K has no code offset).
                    short* scales = stackalloc short[16];
                    short* mins = stackalloc short[16];
                    for (int g = 0; g < 16; g++)
                    {
                        scales[g] = (short)(block[g] & 0xF);
                        mins[g] = (short)(block[g] >> 4);
                    }
                    WriteGroupScales(scales, mins, row, extra);
                    float* d = (float*)(extra + 24 * VectorBytes);
                    d[row] = Float16Bits.ToSingle(*(ushort*)(block + Q2_KKernels.ScaleOffset));
                    d[8 + row] = -Float16Bits.ToSingle(*(ushort*)(block + Q2_KKernels.MinScaleOffset));
                    break;
                }
            case GgmlType.Q6_K:
                {
                    short* scales = stackalloc short[16];
                    for (int g = 0; g < 16; g++) scales[g] = ((sbyte*)(block + 192))[g];
                    WriteGroupScales(scales, scales, row, extra);
                    ((float*)(extra + 24 * VectorBytes))[row] = Float16Bits.ToSingle(*(ushort*)(block + 208));
                    break;
                }
        }
    }

    /// <summary>
    /// Row <paramref name="row"/>'s sixteen group scales as the group-scale panel keeps them, one per lane, and
    /// <paramref name="pairs"/> (the same scales for the offset formats, Q2_K's mins) two groups per lane.
    /// </summary>
    private static void WriteGroupScales(short* scales, short* pairs, int row, byte* extra)
    {
        int* scaleLanes = (int*)extra;
        short* pairLanes = (short*)(extra + 16 * VectorBytes);
        for (int g = 0; g < 16; g++) scaleLanes[8 * g + row] = scales[g];
        for (int k = 0; k < 8; k++)
        {
            pairLanes[16 * k + 2 * row] = pairs[2 * k];
            pairLanes[16 * k + 2 * row + 1] = pairs[2 * k + 1];
        }
    }

    /// <summary>8 rows × 32 code bytes (rows <paramref name="rowStride"/> apart) → 8 vectors, lane i = row i.</summary>
    public static void TransposeGroupScalar(byte* source, int rowStride, byte* destination)
    {
        for (int j = 0; j < 8; j++)
            for (int r = 0; r < Rows; r++)
                *(uint*)(destination + VectorBytes * j + 4 * r) = *(uint*)(source + (long)r * rowStride + 4 * j);
    }

    /// <summary>Vector twin of <see cref="TransposeGroupScalar"/>: an 8×8 transpose of 32-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeGroup(byte* source, int rowStride, byte* destination)
    {
        var r0 = Vector256.Load((int*)source);
        var r1 = Vector256.Load((int*)(source + rowStride));
        var r2 = Vector256.Load((int*)(source + 2L * rowStride));
        var r3 = Vector256.Load((int*)(source + 3L * rowStride));
        var r4 = Vector256.Load((int*)(source + 4L * rowStride));
        var r5 = Vector256.Load((int*)(source + 5L * rowStride));
        var r6 = Vector256.Load((int*)(source + 6L * rowStride));
        var r7 = Vector256.Load((int*)(source + 7L * rowStride));
        // Interleave words, then word pairs, within 128-bit lanes; then swap 128-bit halves across.
        var t0 = Avx2.UnpackLow(r0, r1); var t1 = Avx2.UnpackHigh(r0, r1);
        var t2 = Avx2.UnpackLow(r2, r3); var t3 = Avx2.UnpackHigh(r2, r3);
        var t4 = Avx2.UnpackLow(r4, r5); var t5 = Avx2.UnpackHigh(r4, r5);
        var t6 = Avx2.UnpackLow(r6, r7); var t7 = Avx2.UnpackHigh(r6, r7);
        var u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsInt32(); var u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();
        var u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32(); var u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();
        var u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64()).AsInt32(); var u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64()).AsInt32();
        var u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64()).AsInt32(); var u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64()).AsInt32();
        int* y = (int*)destination;
        Avx2.Permute2x128(u0, u4, 0x20).Store(y);
        Avx2.Permute2x128(u1, u5, 0x20).Store(y + 8);
        Avx2.Permute2x128(u2, u6, 0x20).Store(y + 16);
        Avx2.Permute2x128(u3, u7, 0x20).Store(y + 24);
        Avx2.Permute2x128(u0, u4, 0x31).Store(y + 32);
        Avx2.Permute2x128(u1, u5, 0x31).Store(y + 40);
        Avx2.Permute2x128(u2, u6, 0x31).Store(y + 48);
        Avx2.Permute2x128(u3, u7, 0x31).Store(y + 56);
    }
}
