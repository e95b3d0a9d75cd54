using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for weights of 32-element blocks with one scale each (Q4_0, Q8_0; IQ4_NL and Q5_0 packed as Q8_0) against Q8_0
/// activations laid out by <see cref="ActivationTiles"/>: two panels side by side (sixteen rows) × four
/// tokens per step. Each broadcast of four activation bytes feeds both panels' vectors, so a step is two
/// vector loads and four broadcasts for eight multiply-adds (one panel × eight tokens needs nine loads),
/// and eight independent integer sums are in flight. Each token's block then costs, per panel, one
/// conversion and one fused multiply-add of (d_w · d_a) into a float accumulator that stays in a
/// register for the whole row. Per block and lane the int sum is exact; the float steps are, per lane,
/// <c>acc = fma(isum, d_w · d_a, acc)</c> in block order, as <see cref="RunScalar"/> does for one panel.
/// </summary>
internal static unsafe class Block32PanelKernel
{
    private const int PanelBlockBytes = WeightPanel.GroupBytes + 32;
    private const int TileBlockBytes = ActivationTiles.Q8_0BlockBytes;
    private const int QuantsOffset = 64;
    /// <summary>Tokens per step: half a tile.</summary>
    private const int StepTokens = ActivationTiles.Tokens / 2;

    /// <summary>
    /// destination[t · stride + r] = Σ over <paramref name="blocks"/>, for tokens 0..tokens−1 of
    /// <paramref name="tiles"/> (<see cref="ActivationTiles.BuildQ8_0"/>), rows 0..rows−1 of
    /// <paramref name="panel"/> and rows 0..secondRows−1 of <paramref name="second"/>, whose results go
    /// to columns 8 + r. With no second panel, pass the first again and <paramref name="secondRows"/> = 0.
    /// The block ints come from <c>vpdpbusd</c> where AVX-VNNI exists, else from the loop that suits the
    /// type's codes (<see cref="NibbleCodeInts"/>, <see cref="SignedCodeInts"/>); all give the same ints.
    /// </summary>
    public static void Run(GgmlType type, byte* panel, byte* second, int blocks, byte* tiles, int tokens, float* destination, int destinationStride,
        int rows, int secondRows)
    {
        if (AvxVnni.IsSupported) Run<VnniInts>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
        else if (type != GgmlType.Q4_0) Run<SignedCodeInts>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
        else Run<NibbleCodeInts>(panel, second, blocks, tiles, tokens, destination, destinationStride, rows, secondRows);
    }

    private static void Run<TInts>(byte* panel, byte* second, int blocks, byte* tiles, int tokens, float* destination, int destinationStride,
        int rows, int secondRows) where TInts : struct, IBlockInts
    {
        for (int first = 0; first < tokens; first += StepTokens)
        {
            int tileToken = first % ActivationTiles.Tokens;
            byte* a = tiles + (long)(first / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default, g0 = default, g1 = default, g2 = default, g3 = default;
            byte* p = panel;
            byte* p2 = second;
            for (int b = 0; b < blocks; b++, p += PanelBlockBytes, p2 += PanelBlockBytes, a += TileBlockBytes)
            {
                int* offsets = (int*)a + ActivationTiles.Tokens + tileToken;
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

    /// <summary>One block's exact ints for four tokens (I) in the first panel and the same four (J) in the second.</summary>
    private readonly record struct BlockInts(
        Vector256<int> I0, Vector256<int> I1, Vector256<int> I2, Vector256<int> I3,
        Vector256<int> J0, Vector256<int> J1, Vector256<int> J2, Vector256<int> J3);

    /// <summary>How a block's ints are made: from the two panels' block at <c>panel</c> and <c>second</c>, the
    /// four tokens' activation bytes from <c>quants</c> (32 bytes per k-group), and the tile's code-offset sums.</summary>
    private interface IBlockInts
    {
        static abstract BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets);
    }

    /// <summary>With VNNI: one <c>vpdpbusd</c> per k-group and token, starting from the code-offset sums.</summary>
    private readonly struct VnniInts : IBlockInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets)
        {
            Vector256<int> i0 = Vector256.Create(offsets[0]), i1 = Vector256.Create(offsets[1]);
            Vector256<int> i2 = Vector256.Create(offsets[2]), i3 = Vector256.Create(offsets[3]);
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

    /// <summary>
    /// Q4_0 without VNNI: its codes are nibbles, so a block's eight steps of <c>vpmaddubsw</c> pair sums, each at
    /// most 2 · 15 · 128 from zero, add up in 16 bits (at most 30720) and widen once per block with one
    /// <c>vpmaddwd</c>, instead of once per step: 144 integer operations per block and panel pair instead of 192.
    /// </summary>
    private readonly struct NibbleCodeInts : IBlockInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockInts Block(byte* panel, byte* second, byte* quants, int* offsets)
        {
            Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<short> t0 = default, t1 = default, t2 = default, t3 = default;
            byte* q = quants;
            for (int k = 0; k < 8; k++, q += 32, panel += 32, second += 32)
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
            var ones = Vector256<short>.One;
            // The code-offset sums start each token's ints in both panels.
            Vector256<int> o0 = Vector256.Create(offsets[0]), o1 = Vector256.Create(offsets[1]);
            Vector256<int> o2 = Vector256.Create(offsets[2]), o3 = Vector256.Create(offsets[3]);
            return new(
                PanelInt8.MultiplyAddPairs(o0, s0, ones), PanelInt8.MultiplyAddPairs(o1, s1, ones),
                PanelInt8.MultiplyAddPairs(o2, s2, ones), PanelInt8.MultiplyAddPairs(o3, s3, ones),
                PanelInt8.MultiplyAddPairs(o0, t0, ones), PanelInt8.MultiplyAddPairs(o1, t1, ones),
                PanelInt8.MultiplyAddPairs(o2, t2, ones), PanelInt8.MultiplyAddPairs(o3, t3, ones));
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
    public static void RunScalar(byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        for (int t = 0; t < tokens; t++)
        {
            int lane = t % ActivationTiles.Tokens;
            byte* tile = tiles + (long)(t / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* p = panel + (long)b * PanelBlockBytes;
                    byte* a = tile + (long)b * TileBlockBytes;
                    sbyte* q = (sbyte*)(a + QuantsOffset);
                    int isum = ((int*)a)[ActivationTiles.Tokens + lane];
                    for (int j = 0; j < 8; j++)
                        for (int k = 0; k < 4; k++)
                            isum += p[32 * j + 4 * r + k] * q[32 * j + 4 * lane + k];
                    float scale = ((float*)(p + WeightPanel.GroupBytes))[r] * ((float*)a)[lane];
                    acc = MathF.FusedMultiplyAdd(isum, scale, acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
