using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for panels of eight 32-element sub-blocks with a scale each (Q4_K and Q5_K, with their mins; IQ4_XS,
/// signed levels without) against Q8_K activations laid out by <see cref="ActivationTiles"/>: eight rows × eight tokens
/// per step, each panel vector loaded once and multiplied with four bytes of each of the eight tokens (eight independent
/// sums in flight). Per super-block and lane the ints are exactly those of vec_dot_q4_K_q8_K (and vec_dot_q5_K_q8_K,
/// whose panels hold codes 0..31 in the same layout, and vec_dot_iq4_xs_q8_K, whose panels hold the signed levels):
/// isum = Σ_s scale[s] · Σ q·a (eight multiply-adds per sub-block and token, then one 32-bit multiply by the sub-block
/// scales) and imins = Σ_s min[s] · (bsums[2s] + bsums[2s+1]) (pairwise 16-bit multiply-adds). The float steps per
/// lane, in block order: <c>acc = fma(isum, d·d8, acc); acc = fma(imins, (−dmin)·d8, acc)</c>, the second only with mins.
/// </summary>
internal static unsafe class SubBlockScalePanelKernel
{
    private const int TileBlockBytes = ActivationTiles.Q8_KBlockBytes;
    private static readonly int PanelBlockBytes = WeightPanel.BlockBytes(Quantization.GgmlType.Q4_K);
    private const int ExtrasOffset = 8 * WeightPanel.GroupBytes;
    private const int MinPairsOffset = ExtrasOffset + 256;
    private const int ScalesOffset = ExtrasOffset + 512;

    /// <summary>What a panel's codes are, and so how the products are taken.</summary>
    private interface ICodeRange
    {
        /// <summary>How many <c>vpmaddubsw</c> pair sums of a sub-block add up in 16 bits before one <c>vpmaddwd</c> widens them (without VNNI).</summary>
        static abstract int StepsPerWidening { get; }

        /// <summary>
        /// Signed codes (IQ4_XS's levels, −127..113): each product is |code| × (q8 with the code's sign), a pair at most
        /// 2 · 127 · 127, so one step fits a short and the next would not.
        /// </summary>
        static abstract bool Signed { get; }

        /// <summary>Whether the panel has mins (and a second float step).</summary>
        static abstract bool HasMins { get; }
    }

    /// <summary>Q4_K's codes 0..15: a pair sum is at most 2 · 15 · 128 from zero, so all eight steps (30720) fit a short.</summary>
    private readonly struct FourBitCodes : ICodeRange
    {
        public static int StepsPerWidening => 8;
        public static bool Signed => false;
        public static bool HasMins => true;
    }

    /// <summary>Q5_K's codes 0..31: a pair sum is at most 2 · 31 · 128, so four steps (31744) fit a short and eight would not.</summary>
    private readonly struct FiveBitCodes : ICodeRange
    {
        public static int StepsPerWidening => 4;
        public static bool Signed => false;
        public static bool HasMins => true;
    }

    /// <summary>IQ4_XS's levels, signed, without mins.</summary>
    private readonly struct SignedLevels : ICodeRange
    {
        public static int StepsPerWidening => 1;
        public static bool Signed => true;
        public static bool HasMins => false;
    }

    /// <summary>destination[t · stride + r] for tokens 0..tokens−1 of <paramref name="tiles"/> (<see cref="ActivationTiles.BuildQ8_K"/>) and panel rows 0..rows−1.</summary>
    public static void Run(Quantization.GgmlType type, byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        if (type == Quantization.GgmlType.Q5_K) Run<FiveBitCodes>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
        else if (type == Quantization.GgmlType.IQ4_XS) Run<SignedLevels>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
        else Run<FourBitCodes>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
    }

    private static void Run<TCodes>(byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
        where TCodes : struct, ICodeRange
    {
        int panelBlockBytes = PanelBlockBytes;
        var f = stackalloc Vector256<float>[ActivationTiles.Tokens];
        for (int first = 0; first < tokens; first += ActivationTiles.Tokens)
        {
            byte* a = tiles + (long)(first / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            // The float sums are touched once per super-block: they live in memory so that the 24 integer
            // vectors of the inner loops keep the registers.
            for (int t = 0; t < ActivationTiles.Tokens; t++) f[t] = default;
            byte* p = panel;
            for (int b = 0; b < blocks; b++, p += panelBlockBytes, a += TileBlockBytes)
            {
                Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
                byte* q = a + ActivationTiles.Q8_KQuantsOffset;
                byte* w = p;
                int* scales = (int*)(p + ExtrasOffset);
                for (int s = 0; s < 8; s++, scales += 8)
                {
                    if (!AvxVnni.IsSupported)
                    {
                        // Without VNNI: a sub-block's steps of code × q8 pair sums add up in 16 bits as far as they fit
                        // (TCodes), and one vpmaddwd with the scale in both halves of each lane widens and scales them:
                        // the same ints as eight widening steps and a 32-bit multiply.
                        var subBlockScale = PanelInt8.InBothHalves(Vector256.Load(scales));
                        for (int round = 0; round < 8 / TCodes.StepsPerWidening; round++)
                        {
                            Vector256<short> v0 = default, v1 = default, v2 = default, v3 = default, v4 = default, v5 = default, v6 = default, v7 = default;
                            for (int j = 0; j < TCodes.StepsPerWidening; j++, q += 32, w += 32)
                            {
                                var codes = Vector256.Load(w);
                                var magnitudes = Magnitudes<TCodes>(codes);
                                v0 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q), codes));
                                v1 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 4), codes));
                                v2 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 8), codes));
                                v3 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 12), codes));
                                v4 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 16), codes));
                                v5 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 20), codes));
                                v6 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 24), codes));
                                v7 += PanelInt8.PairSums(magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 28), codes));
                            }
                            s0 = Int8MultiplyAdd.ShortPairs(s0, v0, subBlockScale); s1 = Int8MultiplyAdd.ShortPairs(s1, v1, subBlockScale);
                            s2 = Int8MultiplyAdd.ShortPairs(s2, v2, subBlockScale); s3 = Int8MultiplyAdd.ShortPairs(s3, v3, subBlockScale);
                            s4 = Int8MultiplyAdd.ShortPairs(s4, v4, subBlockScale); s5 = Int8MultiplyAdd.ShortPairs(s5, v5, subBlockScale);
                            s6 = Int8MultiplyAdd.ShortPairs(s6, v6, subBlockScale); s7 = Int8MultiplyAdd.ShortPairs(s7, v7, subBlockScale);
                        }
                        continue;
                    }
                    Vector256<int> u0 = default, u1 = default, u2 = default, u3 = default, u4 = default, u5 = default, u6 = default, u7 = default;
                    for (int j = 0; j < 8; j++, q += 32, w += 32)
                    {
                        var codes = Vector256.Load(w);
                        var magnitudes = Magnitudes<TCodes>(codes);
                        u0 = PanelInt8.MultiplyAdd(u0, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q), codes));
                        u1 = PanelInt8.MultiplyAdd(u1, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 4), codes));
                        u2 = PanelInt8.MultiplyAdd(u2, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 8), codes));
                        u3 = PanelInt8.MultiplyAdd(u3, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 12), codes));
                        u4 = PanelInt8.MultiplyAdd(u4, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 16), codes));
                        u5 = PanelInt8.MultiplyAdd(u5, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 20), codes));
                        u6 = PanelInt8.MultiplyAdd(u6, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 24), codes));
                        u7 = PanelInt8.MultiplyAdd(u7, magnitudes, Operand<TCodes>(PanelInt8.Broadcast4(q + 28), codes));
                    }
                    var scale = Vector256.Load(scales);
                    s0 += u0 * scale; s1 += u1 * scale; s2 += u2 * scale; s3 += u3 * scale;
                    s4 += u4 * scale; s5 += u5 * scale; s6 += u6 * scale; s7 += u7 * scale;
                }
                var m = PanelInt8.PairTerms((short*)(p + MinPairsOffset), a + ActivationTiles.Q8_KSumsOffset, TCodes.HasMins ? 8 : 0);
                var d = Vector256.Load((float*)(p + ScalesOffset));
                var negativeDmin = Vector256.Load((float*)(p + ScalesOffset) + 8);
                float* d8 = (float*)a;
                f[0] = Finish<TCodes>(f[0], s0, m.T0, d, negativeDmin, d8[0]);
                f[1] = Finish<TCodes>(f[1], s1, m.T1, d, negativeDmin, d8[1]);
                f[2] = Finish<TCodes>(f[2], s2, m.T2, d, negativeDmin, d8[2]);
                f[3] = Finish<TCodes>(f[3], s3, m.T3, d, negativeDmin, d8[3]);
                f[4] = Finish<TCodes>(f[4], s4, m.T4, d, negativeDmin, d8[4]);
                f[5] = Finish<TCodes>(f[5], s5, m.T5, d, negativeDmin, d8[5]);
                f[6] = Finish<TCodes>(f[6], s6, m.T6, d, negativeDmin, d8[6]);
                f[7] = Finish<TCodes>(f[7], s7, m.T7, d, negativeDmin, d8[7]);
            }
            PanelInt8.StoreTile(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], tokens - first, destination + (long)first * destinationStride, destinationStride, rows);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish<TCodes>(Vector256<float> accumulator, Vector256<int> isum, Vector256<int> imins,
        Vector256<float> d, Vector256<float> negativeDmin, float d8) where TCodes : struct, ICodeRange
    {
        var scale = Vector256.Create(d8);
        accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), d * scale, accumulator);
        if (!TCodes.HasMins) return accumulator;
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(imins), negativeDmin * scale, accumulator);
    }

    /// <summary>The unsigned operand of the products: the codes, or for signed codes their magnitudes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Magnitudes<TCodes>(Vector256<byte> codes) where TCodes : struct, ICodeRange =>
        TCodes.Signed ? Avx2.Abs(codes.AsSByte()) : codes;

    /// <summary>
    /// Four activation bytes of one token in every lane, for signed codes with each code's sign. (The broadcast is made
    /// at the call, where the JIT folds the activation offset into its load.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Operand<TCodes>(Vector256<sbyte> broadcast, Vector256<byte> codes) where TCodes : struct, ICodeRange =>
        TCodes.Signed ? Avx2.Sign(broadcast, codes.AsSByte()) : broadcast;

    /// <summary>Scalar reference twin of <see cref="Run"/>.</summary>
    public static void RunScalar(Quantization.GgmlType type, byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        bool signed = type == Quantization.GgmlType.IQ4_XS;
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
                    sbyte* q8 = (sbyte*)(a + ActivationTiles.Q8_KQuantsOffset);
                    short* pairs = (short*)(a + ActivationTiles.Q8_KSumsOffset);
                    int isum = 0, imins = 0;
                    for (int s = 0; s < 8; s++)
                    {
                        int sub = 0;
                        for (int j = 0; j < 8; j++)
                            for (int k = 0; k < 4; k++)
                            {
                                byte code = p[s * WeightPanel.GroupBytes + 32 * j + 4 * r + k];
                                sub += (signed ? (sbyte)code : code) * q8[32 * (8 * s + j) + 4 * lane + k];
                            }
                        isum += ((int*)(p + ExtrasOffset))[8 * s + r] * sub;
                        short* minPair = (short*)(p + MinPairsOffset) + 16 * s + 2 * r;
                        short* bsums = pairs + 16 * s + 2 * lane;
                        imins += minPair[0] * bsums[0] + minPair[1] * bsums[1];
                    }
                    float d8 = ((float*)a)[lane];
                    acc = MathF.FusedMultiplyAdd(isum, ((float*)(p + ScalesOffset))[r] * d8, acc);
                    if (!signed) acc = MathF.FusedMultiplyAdd(imins, ((float*)(p + ScalesOffset))[8 + r] * d8, acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
