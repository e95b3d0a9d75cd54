using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The activations of a token chunk regrouped eight tokens at a time for the panel kernels. A kernel
/// step multiplies one panel vector (eight weight rows) by four activation bytes of each of eight tokens;
/// with the eight tokens' bytes side by side, every broadcast of a step reads one 32-byte line through a
/// single pointer, and the per-token block constants (scales, code-offset sums, Q8_1's sums, Q8_K's bsums) of a block
/// arrive as one line too. Built once per chunk, read by every row panel. Tokens past the chunk's end are
/// zeros, so a tile always holds eight tokens and the kernels need no tails: the padding computes zeros
/// that are never stored.
/// <para>
/// Per tile of eight tokens and per activation block:
/// <code>
/// Q8_0 (40 bytes per token and block, 320 per tile block):
///   f32 d[8 tokens], i32 −offset·Σq[8 tokens], then for k-groups j = 0..7: q[token 0..7][4 bytes of 4j..4j+3]
/// Q8_1 (as Q8_0, 320 bytes per tile block):
///   f32 d[8 tokens], f32 s[8 tokens] (the stored f16 s = f16(d·Σq), widened), then the quants as Q8_0's
/// Q8_K (292 bytes per token and super-block, 2336 per tile block):
///   f32 d[8 tokens], then for k-groups j = 0..63: q[token 0..7][4 bytes], then for pairs s = 0..7:
///   (bsums[2s], bsums[2s+1])[token 0..7] as two i16 each
/// </code>
/// The −offset·Σq entry removes the unsigned code offset of Q4_0 (8) and Q8_0 (128) panels exactly:
/// Σ (w + offset)·a − offset·Σ a = Σ w·a. Q8_1 serves Q4_1 and Q5_1, whose codes are unsigned as they are
/// (no offset to remove), so its s takes that slot: the weight offset m contributes m·s per block.
/// </para>
/// </summary>
internal static unsafe class ActivationTiles
{
    public const int Tokens = 8;
    public const int Q8_0BlockBytes = 8 * Tokens + 32 * Tokens;
    public const int Q8_1BlockBytes = Q8_0BlockBytes;
    public const int Q8_KBlockBytes = 4 * Tokens + 256 * Tokens + 32 * Tokens;
    public const int Q8_KQuantsOffset = 4 * Tokens;
    public const int Q8_KSumsOffset = Q8_KQuantsOffset + 256 * Tokens;

    private const int Q8_0RowBlockBytes = 34;
    private const int Q8_1RowBlockBytes = 36;
    private const int Q8_KRowBlockBytes = 292;
    private const int Q8_KRowSumsOffset = 260;

    public static int TileCount(int tokens) => (tokens + Tokens - 1) / Tokens;

    public static long Bytes(GgmlType activationType, int tokens, int blocks) =>
        (long)TileCount(tokens) * blocks * BlockBytes(activationType);

    public static int BlockBytes(GgmlType activationType) => activationType switch
    {
        GgmlType.Q8_0 => Q8_0BlockBytes,
        GgmlType.Q8_1 => Q8_1BlockBytes,
        GgmlType.Q8_K => Q8_KBlockBytes,
        _ => throw new NotSupportedException($"{activationType} activations have no tile layout"),
    };

    /// <summary>
    /// Regroups <paramref name="tokens"/> Q8_0 activation rows of <paramref name="blocks"/> blocks;
    /// <paramref name="codeOffset"/> is the panel's unsigned code offset (8 for Q4_0, 128 for Q8_0).
    /// </summary>
    public static void BuildQ8_0(byte* activations, int activationRowBytes, int tokens, int blocks, int codeOffset, byte* tiles) =>
        Build32(GgmlType.Q8_0, activations, activationRowBytes, tokens, blocks, codeOffset, tiles);

    /// <summary>Regroups <paramref name="tokens"/> Q8_1 activation rows of <paramref name="blocks"/> blocks (for Q4_1 and Q5_1 panels).</summary>
    public static void BuildQ8_1(byte* activations, int activationRowBytes, int tokens, int blocks, byte* tiles) =>
        Build32(GgmlType.Q8_1, activations, activationRowBytes, tokens, blocks, 0, tiles);

    /// <summary>
    /// Q8_0 and Q8_1 rows regrouped: the same d and quants (Q8_1 keeps its quants 4 bytes in, after d and s); the
    /// second slot holds Q8_0's −offset·Σq or Q8_1's s.
    /// </summary>
    private static void Build32(GgmlType activationType, byte* activations, int activationRowBytes, int tokens, int blocks, int codeOffset, byte* tiles)
    {
        bool withSums = activationType == GgmlType.Q8_1;
        int rowBlockBytes = withSums ? Q8_1RowBlockBytes : Q8_0RowBlockBytes;
        int tileBlockBytes = BlockBytes(activationType);
        new Span<byte>(tiles, checked((int)Bytes(activationType, tokens, blocks))).Clear();
        for (int t = 0; t < tokens; t++)
        {
            byte* row = activations + (long)t * activationRowBytes;
            byte* tile = tiles + (long)(t / Tokens) * blocks * tileBlockBytes;
            int lane = t % Tokens;
            for (int b = 0; b < blocks; b++)
            {
                byte* source = row + b * rowBlockBytes;
                byte* target = tile + (long)b * tileBlockBytes;
                int* quads = (int*)(source + rowBlockBytes - 32);
                int sum = 0;
                for (int j = 0; j < 8; j++)
                {
                    int quad = quads[j];
                    sum += (sbyte)quad + (sbyte)(quad >> 8) + (sbyte)(quad >> 16) + (sbyte)(quad >> 24);
                    ((int*)(target + 64))[Tokens * j + lane] = quad;
                }
                ((float*)target)[lane] = Float16Bits.ToSingle(*(ushort*)source);
                if (withSums) ((float*)target)[Tokens + lane] = Float16Bits.ToSingle(*(ushort*)(source + 2));
                else ((int*)target)[Tokens + lane] = -codeOffset * sum;
            }
        }
    }

    /// <summary>Regroups <paramref name="tokens"/> Q8_K activation rows of <paramref name="blocks"/> super-blocks.</summary>
    public static void BuildQ8_K(byte* activations, int activationRowBytes, int tokens, int blocks, byte* tiles)
    {
        new Span<byte>(tiles, checked((int)Bytes(GgmlType.Q8_K, tokens, blocks))).Clear();
        for (int t = 0; t < tokens; t++)
        {
            byte* row = activations + (long)t * activationRowBytes;
            byte* tile = tiles + (long)(t / Tokens) * blocks * Q8_KBlockBytes;
            int lane = t % Tokens;
            for (int b = 0; b < blocks; b++)
            {
                byte* source = row + b * Q8_KRowBlockBytes;
                byte* target = tile + (long)b * Q8_KBlockBytes;
                ((float*)target)[lane] = *(float*)source;
                int* quads = (int*)(source + 4);
                int* quadTargets = (int*)(target + Q8_KQuantsOffset) + lane;
                for (int j = 0; j < 64; j++) quadTargets[Tokens * j] = quads[j];
                int* pairs = (int*)(source + Q8_KRowSumsOffset);
                int* pairTargets = (int*)(target + Q8_KSumsOffset) + lane;
                for (int s = 0; s < 8; s++) pairTargets[Tokens * s] = pairs[s];
            }
        }
    }
}
