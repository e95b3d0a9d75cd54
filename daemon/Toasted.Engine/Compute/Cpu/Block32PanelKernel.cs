using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for weights of 32-element blocks with one scale each (Q4_0, Q8_0; IQ4_NL and Q5_0 packed as Q8_0) against Q8_0
/// activations, and with a scale and an offset each (Q4_1, Q5_1) against Q8_1 activations, laid out by
/// <see cref="ActivationTiles"/>: two panels side by side (sixteen rows) × four
/// tokens per step. Each broadcast of four activation bytes feeds both panels' vectors, so a step is two
/// vector loads and four broadcasts for eight multiply-adds (one panel × eight tokens needs nine loads),
/// and eight independent integer sums are in flight. Each token's block then costs, per panel, one
/// conversion and one fused multiply-add of (d_w · d_a) into a float accumulator that stays in a
/// register for the whole row, and for Q4_1 and Q5_1 one more of m_w · s_a. Per block and lane the int sum
/// (Σ code · q8) is exact; the float steps are, per lane and in block order,
/// <code>
/// acc = fma(isum, d_w · d_a, acc)        (d_w · d_a rounded to float first)
/// acc = fma(m_w, s_a, acc)               (Q4_1, Q5_1 only)
/// </code>
/// as <see cref="RunScalar"/> does for one panel. <see cref="QuantTraits.DotScalar"/> adds the same per-block
/// products rounded one by one (<c>sum += (d_w · d_a) · isum; sum += m_w · s_a</c>), so the two differ by rounding only.
/// </summary>
internal static unsafe class Block32PanelKernel
{
    /// <summary>Q8_1 tiles have Q8_0's size: s takes the slot of the code-offset sums.</summary>
    private const int TileBlockBytes = ActivationTiles.Q8_0BlockBytes;
    private const int SecondSlot = ActivationTiles.Tokens;
    private const int QuantsOffset = 64;
    /// <summary>Tokens per step: half a tile.</summary>
    private const int StepTokens = ActivationTiles.Tokens / 2;

    /// <summary>
    /// destination[t · stride + r] = Σ over <paramref name="blocks"/>, for tokens 0..tokens−1 of
    /// <paramref name="tiles"/> (<see cref="ActivationTiles.BuildQ8_0"/>, for Q4_1 and Q5_1 <see cref="ActivationTiles.BuildQ8_1"/>),
    /// rows 0..rows−1 of <paramref name="panel"/> and rows 0..secondRows−1 of <paramref name="second"/>, whose results go
    /// to columns 8 + r. With no second panel, pass the first again and <paramref name="secondRows"/> = 0.
    /// The block ints come from <c>vpdpbusd</c> where AVX-VNNI exists, else from the loop that suits the
    /// type's codes (<see cref="UnsignedCodeInts{TSteps}"/>, <see cref="SignedCodeInts"/>); all give the same ints.
    /// </summary>
    public static void Run(GgmlType type, byte* panel, byte* second, int blocks, byte* tiles, int tokens, float* destination, int destinationStride,
        int rows, int secondRows)
    {
        if (AvxVnni.IsSupported)
        {
            if (WeightPanel.HasMin(type)) Run<VnniInts, WithMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
            else Run<VnniInts, WithoutMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
            return;
        }
        switch (type)
        {
            case GgmlType.Q4_0:
                Run<UnsignedCodeInts<EightSteps>, WithoutMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
                break;
            case GgmlType.Q4_1:
                Run<UnsignedCodeInts<EightSteps>, WithMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
                break;
            case GgmlType.Q5_1:
                Run<UnsignedCodeInts<FourSteps>, WithMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
                break;
            default:
                Run<SignedCodeInts, WithoutMin>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
                break;
        }
    }

    private static void Run<TInts, TMin>(byte* panel, byte* second, int blocks, byte* tiles, int tokens, float* destination, int destinationStride,
        int rows, int secondRows) where TInts : struct, IBlockInts where TMin : struct, IMinTerm
    {
        int panelBlockBytes = PanelBlockBytes(TMin.HasMin);
        for (int first = 0; first < tokens; first += StepTokens)
        {
            int tileToken = first % ActivationTiles.Tokens;
            byte* a = tiles + (long)(first / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default, g0 = default, g1 = default, g2 = default, g3 = default;
            byte* p = panel;
            byte* p2 = second;
            for (int b = 0; b < blocks; b++, p += panelBlockBytes, p2 += panelBlockBytes, a += TileBlockBytes)
            {
                // Q8_1 tiles hold s where Q8_0 tiles hold the code-offset sums: the ints of Q4_1 and Q5_1 start at zero.
                int* offsets = TMin.HasMin ? null : (int*)a + SecondSlot + tileToken;
                var ints = TInts.Block(p, p2, a + QuantsOffset + 4 * tileToken, offsets);
                var scales = Vector256.Load((float*)(p + WeightPanel.GroupBytes));
                var scales2 = Vector256.Load((float*)(p2 + WeightPanel.GroupBytes));
                float* d = (float*)a + tileToken;
                var d0 = Vector256.Create(d[0]);
                var d1 = Vector256.Create(d[1]);
                var d2 = Vector256.Create(d[2]);
                var d3 = Vector256.Create(d[3]);
                f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.I0), scales * d0, f0);
                f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.I1), scales * d1, f1);
                f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.I2), scales * d2, f2);
                f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.I3), scales * d3, f3);
                g0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.J0), scales2 * d0, g0);
                g1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.J1), scales2 * d1, g1);
                g2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.J2), scales2 * d2, g2);
                g3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints.J3), scales2 * d3, g3);
                if (TMin.HasMin)
                {
                    var mins = Vector256.Load((float*)(p + WeightPanel.GroupBytes) + WeightPanel.Rows);
                    var mins2 = Vector256.Load((float*)(p2 + WeightPanel.GroupBytes) + WeightPanel.Rows);
                    float* s = (float*)a + SecondSlot + tileToken;
                    var s0 = Vector256.Create(s[0]);
                    var s1 = Vector256.Create(s[1]);
                    var s2 = Vector256.Create(s[2]);
                    var s3 = Vector256.Create(s[3]);
                    f0 = Vector256.FusedMultiplyAdd(mins, s0, f0);
                    f1 = Vector256.FusedMultiplyAdd(mins, s1, f1);
                    f2 = Vector256.FusedMultiplyAdd(mins, s2, f2);
                    f3 = Vector256.FusedMultiplyAdd(mins, s3, f3);
                    g0 = Vector256.FusedMultiplyAdd(mins2, s0, g0);
                    g1 = Vector256.FusedMultiplyAdd(mins2, s1, g1);
                    g2 = Vector256.FusedMultiplyAdd(mins2, s2, g2);
                    g3 = Vector256.FusedMultiplyAdd(mins2, s3, g3);
                }
            }
            // Padding tokens past the chunk are computed but not stored.
            int count = Math.Min(StepTokens, tokens - first);
            float* output = destination + (long)first * destinationStride;
            StorePair(f0, g0, output, rows, secondRows);
            if (count > 1) StorePair(f1, g1, output + destinationStride, rows, secondRows);
            if (count > 2) StorePair(f2, g2, output + 2L * destinationStride, rows, secondRows);
            if (count > 3) StorePair(f3, g3, output + 3L * destinationStride, rows, secondRows);
        }
    }

    /// <summary>Bytes of one panel block (<see cref="WeightPanel.BlockBytes"/>): the quants, d[8], and for the types with an offset m[8].</summary>
    private static int PanelBlockBytes(bool hasMin) => WeightPanel.GroupBytes + (hasMin ? 64 : 32);

    /// <summary>Whether the weight blocks carry an offset m, whose term m_w · s_a each block adds to the accumulators.</summary>
    private interface IMinTerm
    {
        static abstract bool HasMin { get; }
    }

    /// <summary>Q4_0, Q8_0, IQ4_NL, Q5_0: a scale only, Q8_0 tiles.</summary>
    private readonly struct WithoutMin : IMinTerm
    {
        public static bool HasMin => false;
    }

    /// <summary>Q4_1, Q5_1: a scale and an offset, Q8_1 tiles.</summary>
    private readonly struct WithMin : IMinTerm
    {
        public static bool HasMin => true;
    }

    /// <summary>One block's exact ints for four tokens (I) in the first panel and the same four (J) in the second.</summary>
    private readonly record struct BlockInts(
        Vector256<int> I0, Vector256<int> I1, Vector256<int> I2, Vector256<int> I3,
        Vector256<int> J0, Vector256<int> J1, Vector256<int> J2, Vector256<int> J3);

    /// <summary>How a block's ints are made: from the two panels' block at <c>panel</c> and <c>second</c>, the
    /// four tokens' activation bytes from <c>quants</c> (32 bytes per k-group), and the tile's code-offset sums
    /// (null for tiles without them: the ints then start at zero).</summary>
    private interface IBlockInts
    {
        static abstract BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets);
    }

    /// <summary>Token <paramref name="token"/>'s code-offset sum in every lane, where the ints start; zero without offsets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Start(int* offsets, int token) => offsets == null ? Vector256<int>.Zero : Vector256.Create(offsets[token]);

    /// <summary>With VNNI: one <c>vpdpbusd</c> per k-group and token, starting from the code-offset sums.</summary>
    private readonly struct VnniInts : IBlockInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets)
        {
            Vector256<int> i0 = Start(offsets, 0), i1 = Start(offsets, 1), i2 = Start(offsets, 2), i3 = Start(offsets, 3);
            Vector256<int> j0 = i0, j1 = i1, j2 = i2, j3 = i3;
            byte* q = quants;
            for (int k = 0; k < 8; k++, q += 32, panel += 32, second += 32)
            {
                var codes = Vector256.Load(panel);
                var codes2 = Vector256.Load(second);
                var x0 = PanelInt8.Broadcast4(q);
                i0 = PanelInt8.MultiplyAdd(i0, codes, x0);
                j0 = PanelInt8.MultiplyAdd(j0, codes2, x0);
                var x1 = PanelInt8.Broadcast4(q + 4);
                i1 = PanelInt8.MultiplyAdd(i1, codes, x1);
                j1 = PanelInt8.MultiplyAdd(j1, codes2, x1);
                var x2 = PanelInt8.Broadcast4(q + 8);
                i2 = PanelInt8.MultiplyAdd(i2, codes, x2);
                j2 = PanelInt8.MultiplyAdd(j2, codes2, x2);
                var x3 = PanelInt8.Broadcast4(q + 12);
                i3 = PanelInt8.MultiplyAdd(i3, codes, x3);
                j3 = PanelInt8.MultiplyAdd(j3, codes2, x3);
            }
            return new(i0, i1, i2, i3, j0, j1, j2, j3);
        }
    }

    /// <summary>How many steps of <c>vpmaddubsw</c> pair sums of a block add up in 16 bits before one <c>vpmaddwd</c> widens them.</summary>
    private interface IStepsPerWidening
    {
        static abstract int Steps { get; }
    }

    /// <summary>Q4_0 and Q4_1: nibbles, pair sums at most 2 · 15 · 128, so all eight steps (30720) fit a short.</summary>
    private readonly struct EightSteps : IStepsPerWidening
    {
        public static int Steps => 8;
    }

    /// <summary>Q5_1: codes 0..31, pair sums at most 2 · 31 · 128 = 7936, so four steps (31744) fit and eight would not.</summary>
    private readonly struct FourSteps : IStepsPerWidening
    {
        public static int Steps => 4;
    }

    /// <summary>
    /// Unsigned codes without VNNI (Q4_0, Q4_1, Q5_1): a block's steps of <c>vpmaddubsw</c> pair sums add up in 16 bits as
    /// far as they fit (<typeparamref name="TSteps"/>) and widen with one <c>vpmaddwd</c> per round, instead of once per step:
    /// for nibbles 144 integer operations per block and panel pair instead of 192. The code-offset sums start each token's ints.
    /// </summary>
    private readonly struct UnsignedCodeInts<TSteps> : IBlockInts where TSteps : struct, IStepsPerWidening
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets)
        {
            var ones = Vector256<short>.One;
            Vector256<int> i0 = Start(offsets, 0), i1 = Start(offsets, 1), i2 = Start(offsets, 2), i3 = Start(offsets, 3);
            Vector256<int> j0 = i0, j1 = i1, j2 = i2, j3 = i3;
            byte* q = quants;
            for (int round = 0; round < 8; round += TSteps.Steps)
            {
                Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector256<short> t0 = default, t1 = default, t2 = default, t3 = default;
                for (int k = 0; k < TSteps.Steps; k++, q += 32, panel += 32, second += 32)
                {
                    var codes = Vector256.Load(panel);
                    var codes2 = Vector256.Load(second);
                    var x0 = PanelInt8.Broadcast4(q);
                    s0 += PanelInt8.PairSums(codes, x0);
                    t0 += PanelInt8.PairSums(codes2, x0);
                    var x1 = PanelInt8.Broadcast4(q + 4);
                    s1 += PanelInt8.PairSums(codes, x1);
                    t1 += PanelInt8.PairSums(codes2, x1);
                    var x2 = PanelInt8.Broadcast4(q + 8);
                    s2 += PanelInt8.PairSums(codes, x2);
                    t2 += PanelInt8.PairSums(codes2, x2);
                    var x3 = PanelInt8.Broadcast4(q + 12);
                    s3 += PanelInt8.PairSums(codes, x3);
                    t3 += PanelInt8.PairSums(codes2, x3);
                }
                i0 = Int8MultiplyAdd.ShortPairs(i0, s0, ones); i1 = Int8MultiplyAdd.ShortPairs(i1, s1, ones);
                i2 = Int8MultiplyAdd.ShortPairs(i2, s2, ones); i3 = Int8MultiplyAdd.ShortPairs(i3, s3, ones);
                j0 = Int8MultiplyAdd.ShortPairs(j0, t0, ones); j1 = Int8MultiplyAdd.ShortPairs(j1, t1, ones);
                j2 = Int8MultiplyAdd.ShortPairs(j2, t2, ones); j3 = Int8MultiplyAdd.ShortPairs(j3, t3, ones);
            }
            return new(i0, i1, i2, i3, j0, j1, j2, j3);
        }
    }

    /// <summary>
    /// Q8_0 without VNNI. Its codes (q + 128, up to 255) would overflow the 16-bit pair sums of <c>vpmaddubsw</c>,
    /// so each step multiplies |q| (at most 128, unsigned) by the activation bytes given q's sign
    /// (<c>vpsignb</c>, at most 127 from zero): pair sums at most 2 · 128 · 127 = 32512, exact. That sum is
    /// Σ q·a itself, which the tile's −128·Σa term would otherwise have made of the codes' sum, so the ints
    /// start at zero.
    /// </summary>
    private readonly struct SignedCodeInts : IBlockInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets)
        {
            var flip = Vector256.Create((byte)0x80);
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
            byte* q = quants;
            for (int k = 0; k < 8; k++, q += 32, panel += 32, second += 32)
            {
                var signs = (Vector256.Load(panel) ^ flip).AsSByte();
                var signs2 = (Vector256.Load(second) ^ flip).AsSByte();
                var magnitude = Avx2.Abs(signs);
                var magnitude2 = Avx2.Abs(signs2);
                var x0 = PanelInt8.Broadcast4(q);
                i0 = PanelInt8.MultiplyAdd(i0, magnitude, Avx2.Sign(x0, signs));
                j0 = PanelInt8.MultiplyAdd(j0, magnitude2, Avx2.Sign(x0, signs2));
                var x1 = PanelInt8.Broadcast4(q + 4);
                i1 = PanelInt8.MultiplyAdd(i1, magnitude, Avx2.Sign(x1, signs));
                j1 = PanelInt8.MultiplyAdd(j1, magnitude2, Avx2.Sign(x1, signs2));
                var x2 = PanelInt8.Broadcast4(q + 8);
                i2 = PanelInt8.MultiplyAdd(i2, magnitude, Avx2.Sign(x2, signs));
                j2 = PanelInt8.MultiplyAdd(j2, magnitude2, Avx2.Sign(x2, signs2));
                var x3 = PanelInt8.Broadcast4(q + 12);
                i3 = PanelInt8.MultiplyAdd(i3, magnitude, Avx2.Sign(x3, signs));
                j3 = PanelInt8.MultiplyAdd(j3, magnitude2, Avx2.Sign(x3, signs2));
            }
            return new(i0, i1, i2, i3, j0, j1, j2, j3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(Vector256<float> value, Vector256<float> secondValue, float* destination, int rows, int secondRows)
    {
        PanelInt8.Store(value, destination, rows);
        if (secondRows > 0) PanelInt8.Store(secondValue, destination + WeightPanel.Rows, secondRows);
    }

    /// <summary>Scalar reference twin of <see cref="Run"/>: the same ints and the same float steps per lane.</summary>
    public static void RunScalar(GgmlType type, byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        bool hasMin = WeightPanel.HasMin(type);
        int panelBlockBytes = PanelBlockBytes(hasMin);
        for (int t = 0; t < tokens; t++)
        {
            int lane = t % ActivationTiles.Tokens;
            byte* tile = tiles + (long)(t / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* p = panel + (long)b * panelBlockBytes;
                    byte* a = tile + (long)b * TileBlockBytes;
                    sbyte* q = (sbyte*)(a + QuantsOffset);
                    int isum = hasMin ? 0 : ((int*)a)[SecondSlot + lane];
                    for (int j = 0; j < 8; j++)
                        for (int k = 0; k < 4; k++)
                            isum += p[32 * j + 4 * r + k] * q[32 * j + 4 * lane + k];
                    float* weightScales = (float*)(p + WeightPanel.GroupBytes);
                    float scale = weightScales[r] * ((float*)a)[lane];
                    acc = MathF.FusedMultiplyAdd(isum, scale, acc);
                    if (hasMin) acc = MathF.FusedMultiplyAdd(weightScales[WeightPanel.Rows + r], ((float*)a)[SecondSlot + lane], acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
