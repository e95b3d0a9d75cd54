using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for panels of sixteen 16-element groups with a scale each (Q6_K; Q3_K's, packed as Q6_K codes and
/// signed scales; Q2_K's, with its mins: <see cref="WeightPanel"/>) against Q8_K activations laid out by
/// <see cref="ActivationTiles"/>: eight rows × eight tokens per step, each panel vector loaded once and multiplied with
/// four bytes of each of the eight tokens. Per super-block and lane the ints are exactly the format's dot's:
/// isum = Σ_g scale[g] · Σ code·a (four multiply-adds per group and token, one 32-bit multiply by the group scales) and
/// a pair term Σ_g pair[g] · bsums[g] (pairwise 16-bit multiply-adds) that is, by <typeparamref name="TPairs"/>
/// (see <see cref="IPairTerm"/>), either the codes' offset of 32 (Q6_K, Q3_K: vec_dot_q6_K_q8_K's Σ_g scale[g] · Σ (q − 32)·a)
/// or Q2_K's mins (vec_dot_q2_K_q8_K's summs).
/// </summary>
internal static unsafe class GroupScalePanelKernel
{
    private const int TileBlockBytes = ActivationTiles.Q8_KBlockBytes;
    private const int ExtrasOffset = 8 * WeightPanel.GroupBytes;
    private const int PairsOffset = ExtrasOffset + 512;
    private const int ScaleOffset = ExtrasOffset + 768;

    /// <summary>What the pair term of a super-block is, and the float steps that take it in.</summary>
    private interface IPairTerm
    {
        /// <summary>The panel's bytes per super-block.</summary>
        static abstract int PanelBlockBytes { get; }

        /// <summary>The codes' offset, for the scalar twin (which takes the pair term from the quants themselves).</summary>
        static abstract int CodeOffset { get; }

        /// <summary>The super-block's float steps for one token (<paramref name="d8"/>) and eight lanes.</summary>
        static abstract Vector256<float> Finish(Vector256<float> accumulator, Vector256<int> isum, Vector256<int> pairTerm, byte* scales, float d8);

        /// <summary>As <see cref="Finish"/> for lane <paramref name="row"/>, with the twin's ints.</summary>
        static abstract float FinishScalar(float accumulator, int isum, int minTerm, byte* scales, int row, float d8);
    }

    /// <summary>
    /// Q6_K and Q3_K: codes carry an offset of 32 and the pairs are the group scales, so the pair term is Σ_g scale[g] ·
    /// bsums[g] and the block's int is isum − 32 · it; one float step, <c>acc = fma(int, d·d8, acc)</c>.
    /// </summary>
    private readonly struct CodeOffsetOf32 : IPairTerm
    {
        public static int PanelBlockBytes => WeightPanel.BlockBytes(Quantization.GgmlType.Q6_K);
        public static int CodeOffset => 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Finish(Vector256<float> accumulator, Vector256<int> isum, Vector256<int> pairTerm, byte* scales, float d8) =>
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum - (pairTerm << 5)), Vector256.Load((float*)scales) * Vector256.Create(d8), accumulator);

        public static float FinishScalar(float accumulator, int isum, int minTerm, byte* scales, int row, float d8) =>
            MathF.FusedMultiplyAdd(isum, ((float*)scales)[row] * d8, accumulator);
    }

    /// <summary>
    /// Q2_K: codes 0..3 without offset and the pairs are the group mins, so the pair term is summs; two float steps as
    /// <see cref="SubBlockScalePanelKernel"/>'s, <c>acc = fma(isum, d·d8, acc); acc = fma(summs, (−dmin)·d8, acc)</c>.
    /// </summary>
    private readonly struct GroupMins : IPairTerm
    {
        public static int PanelBlockBytes => WeightPanel.BlockBytes(Quantization.GgmlType.Q2_K);
        public static int CodeOffset => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Finish(Vector256<float> accumulator, Vector256<int> isum, Vector256<int> pairTerm, byte* scales, float d8)
        {
            var scale = Vector256.Create(d8);
            accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), Vector256.Load((float*)scales) * scale, accumulator);
            return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(pairTerm), Vector256.Load((float*)scales + 8) * scale, accumulator);
        }

        public static float FinishScalar(float accumulator, int isum, int minTerm, byte* scales, int row, float d8)
        {
            accumulator = MathF.FusedMultiplyAdd(isum, ((float*)scales)[row] * d8, accumulator);
            return MathF.FusedMultiplyAdd(minTerm, ((float*)scales)[8 + row] * d8, accumulator);
        }
    }

    /// <summary>destination[t · stride + r] for tokens 0..tokens−1 of <paramref name="tiles"/> (<see cref="ActivationTiles.BuildQ8_K"/>) and panel rows 0..rows−1.</summary>
    public static void Run(Quantization.GgmlType type, byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        if (type == Quantization.GgmlType.Q2_K) Run<GroupMins>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
        else Run<CodeOffsetOf32>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
    }

    private static void Run<TPairs>(byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
        where TPairs : struct, IPairTerm
    {
        int panelBlockBytes = TPairs.PanelBlockBytes;
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
                // Sixteen groups of sixteen elements: four k-groups of four bytes each, one scale per group.
                for (int g = 0; g < 16; g++, scales += 8)
                {
                    if (!AvxVnni.IsSupported)
                    {
                        // Without VNNI: two steps of code × q8 pair sums (each at most 2 · 63 · 128 from zero)
                        // add up in 16 bits, and a vpmaddwd with the group's signed scale in both halves of each lane
                        // widens and scales each pair of steps: the same ints as four widening steps and a 32-bit multiply.
                        var groupScales = PanelInt8.InBothHalves(Vector256.Load(scales));
                        for (int half = 0; half < 2; half++)
                        {
                            var codes = Vector256.Load(w);
                            var next = Vector256.Load(w + 32);
                            s0 = Int8MultiplyAdd.ShortPairs(s0, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 32)), groupScales);
                            s1 = Int8MultiplyAdd.ShortPairs(s1, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 4)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 36)), groupScales);
                            s2 = Int8MultiplyAdd.ShortPairs(s2, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 8)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 40)), groupScales);
                            s3 = Int8MultiplyAdd.ShortPairs(s3, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 12)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 44)), groupScales);
                            s4 = Int8MultiplyAdd.ShortPairs(s4, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 16)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 48)), groupScales);
                            s5 = Int8MultiplyAdd.ShortPairs(s5, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 20)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 52)), groupScales);
                            s6 = Int8MultiplyAdd.ShortPairs(s6, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 24)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 56)), groupScales);
                            s7 = Int8MultiplyAdd.ShortPairs(s7, PanelInt8.PairSums(codes, PanelInt8.Broadcast4(q + 28)) + PanelInt8.PairSums(next, PanelInt8.Broadcast4(q + 60)), groupScales);
                            q += 64;
                            w += 64;
                        }
                        continue;
                    }
                    Vector256<int> u0 = default, u1 = default, u2 = default, u3 = default, u4 = default, u5 = default, u6 = default, u7 = default;
                    for (int j = 0; j < 4; j++, q += 32, w += 32)
                    {
                        var codes = Vector256.Load(w);
                        u0 = PanelInt8.MultiplyAdd(u0, codes, PanelInt8.Broadcast4(q));
                        u1 = PanelInt8.MultiplyAdd(u1, codes, PanelInt8.Broadcast4(q + 4));
                        u2 = PanelInt8.MultiplyAdd(u2, codes, PanelInt8.Broadcast4(q + 8));
                        u3 = PanelInt8.MultiplyAdd(u3, codes, PanelInt8.Broadcast4(q + 12));
                        u4 = PanelInt8.MultiplyAdd(u4, codes, PanelInt8.Broadcast4(q + 16));
                        u5 = PanelInt8.MultiplyAdd(u5, codes, PanelInt8.Broadcast4(q + 20));
                        u6 = PanelInt8.MultiplyAdd(u6, codes, PanelInt8.Broadcast4(q + 24));
                        u7 = PanelInt8.MultiplyAdd(u7, codes, PanelInt8.Broadcast4(q + 28));
                    }
                    var scale = Vector256.Load(scales);
                    s0 += u0 * scale; s1 += u1 * scale; s2 += u2 * scale; s3 += u3 * scale;
                    s4 += u4 * scale; s5 += u5 * scale; s6 += u6 * scale; s7 += u7 * scale;
                }
                var c = PanelInt8.PairTerms((short*)(p + PairsOffset), a + ActivationTiles.Q8_KSumsOffset, 8);
                byte* scaleFloats = p + ScaleOffset;
                float* d8 = (float*)a;
                f[0] = TPairs.Finish(f[0], s0, c.T0, scaleFloats, d8[0]);
                f[1] = TPairs.Finish(f[1], s1, c.T1, scaleFloats, d8[1]);
                f[2] = TPairs.Finish(f[2], s2, c.T2, scaleFloats, d8[2]);
                f[3] = TPairs.Finish(f[3], s3, c.T3, scaleFloats, d8[3]);
                f[4] = TPairs.Finish(f[4], s4, c.T4, scaleFloats, d8[4]);
                f[5] = TPairs.Finish(f[5], s5, c.T5, scaleFloats, d8[5]);
                f[6] = TPairs.Finish(f[6], s6, c.T6, scaleFloats, d8[6]);
                f[7] = TPairs.Finish(f[7], s7, c.T7, scaleFloats, d8[7]);
            }
            PanelInt8.StoreTile(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], tokens - first, destination + (long)first * destinationStride, destinationStride, rows);
        }
    }

    /// <summary>Scalar reference twin of <see cref="Run"/>: the codes less their offset times the quants, and Q2_K's mins times the quants' group sums.</summary>
    public static void RunScalar(Quantization.GgmlType type, byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        if (type == Quantization.GgmlType.Q2_K) RunScalar<GroupMins>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
        else RunScalar<CodeOffsetOf32>(panel, blocks, tiles, tokens, destination, destinationStride, rows);
    }

    private static void RunScalar<TPairs>(byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
        where TPairs : struct, IPairTerm
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
                    byte* p = panel + (long)b * TPairs.PanelBlockBytes;
                    byte* a = tile + (long)b * TileBlockBytes;
                    sbyte* q8 = (sbyte*)(a + ActivationTiles.Q8_KQuantsOffset);
                    int isum = 0, minTerm = 0;
                    for (int g = 0; g < 16; g++)
                    {
                        int group = 0, quantSum = 0;
                        for (int e = 0; e < 16; e++)
                        {
                            int element = 16 * g + e;
                            int code = p[(element / 32) * WeightPanel.GroupBytes + 32 * ((element % 32) / 4) + 4 * r + element % 4];
                            int quant = q8[32 * (element / 4) + 4 * lane + element % 4];
                            group += (code - TPairs.CodeOffset) * quant;
                            quantSum += quant;
                        }
                        isum += ((int*)(p + ExtrasOffset))[8 * g + r] * group;
                        // Q2_K's pairs are its mins; for the offset formats the term is already inside isum.
                        if (TPairs.CodeOffset == 0) minTerm += ((short*)(p + PairsOffset))[16 * (g / 2) + 2 * r + g % 2] * quantSum;
                    }
                    acc = TPairs.FinishScalar(acc, isum, minTerm, p + ScaleOffset, r, ((float*)a)[lane]);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
