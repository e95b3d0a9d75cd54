using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for Q6_K panels against Q8_K activations: eight rows × four tokens per step. The panel
/// holds the unsigned 6-bit codes q; per super-block and lane the int is exactly vec_dot_q6_K_q8_K's
/// isum = Σ_g scale[g] · Σ (q − 32)·a, computed as Σ_g scale[g] · Σ q·a (four multiply-adds per
/// 16-element group and token, one 32-bit multiply by the group scales) minus 32 · Σ_g scale[g] · bsums[g]
/// (pairwise 16-bit multiply-adds). The float step per lane, in block order: <c>acc = fma(isum, d·d8, acc)</c>.
/// </summary>
internal static unsafe class Q6_KPanelKernel
{
    private const int ActivationBlockBytes = 292;
    private const int QuantsOffset = 4;
    private const int BlockSumsOffset = 260;
    private const int TokensPerTile = 4;
    private static readonly int PanelBlockBytes = WeightPanel.BlockBytes(Quantization.GgmlType.Q6_K);
    private const int ExtrasOffset = 8 * WeightPanel.GroupBytes;
    private const int ScalePairsOffset = ExtrasOffset + 512;
    private const int ScaleOffset = ExtrasOffset + 768;

    public static void Run(byte* panel, int blocks, byte* activations, int activationRowBytes,
        int tokens, float* destination, int destinationStride, int rows)
    {
        int panelBlockBytes = PanelBlockBytes;
        int t = 0;
        for (; t + TokensPerTile <= tokens; t += TokensPerTile)
        {
            byte* a0 = activations + (long)t * activationRowBytes;
            byte* a1 = a0 + activationRowBytes;
            byte* a2 = a1 + activationRowBytes;
            byte* a3 = a2 + activationRowBytes;
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            for (int b = 0; b < blocks; b++)
            {
                byte* p = panel + (long)b * panelBlockBytes;
                nint ao = b * ActivationBlockBytes;
                Vector256<int> isum0 = default, isum1 = default, isum2 = default, isum3 = default;
                for (int s = 0; s < 8; s++)
                {
                    byte* g = p + s * WeightPanel.GroupBytes;
                    var w0 = Vector256.Load(g); var w1 = Vector256.Load(g + 32);
                    var w2 = Vector256.Load(g + 64); var w3 = Vector256.Load(g + 96);
                    var w4 = Vector256.Load(g + 128); var w5 = Vector256.Load(g + 160);
                    var w6 = Vector256.Load(g + 192); var w7 = Vector256.Load(g + 224);
                    var lowScale = Vector256.Load((int*)(p + ExtrasOffset) + 16 * s);
                    var highScale = Vector256.Load((int*)(p + ExtrasOffset) + 16 * s + 8);
                    nint q = ao + QuantsOffset + 32 * s;
                    isum0 += Group(w0, w1, w2, w3, a0 + q) * lowScale + Group(w4, w5, w6, w7, a0 + q + 16) * highScale;
                    isum1 += Group(w0, w1, w2, w3, a1 + q) * lowScale + Group(w4, w5, w6, w7, a1 + q + 16) * highScale;
                    isum2 += Group(w0, w1, w2, w3, a2 + q) * lowScale + Group(w4, w5, w6, w7, a2 + q + 16) * highScale;
                    isum3 += Group(w0, w1, w2, w3, a3 + q) * lowScale + Group(w4, w5, w6, w7, a3 + q + 16) * highScale;
                }
                var d = Vector256.Load((float*)(p + ScaleOffset));
                acc0 = Finish(acc0, isum0, p, a0 + ao, d);
                acc1 = Finish(acc1, isum1, p, a1 + ao, d);
                acc2 = Finish(acc2, isum2, p, a2 + ao, d);
                acc3 = Finish(acc3, isum3, p, a3 + ao, d);
            }
            PanelInt8.Store(acc0, destination + (long)t * destinationStride, rows);
            PanelInt8.Store(acc1, destination + (long)(t + 1) * destinationStride, rows);
            PanelInt8.Store(acc2, destination + (long)(t + 2) * destinationStride, rows);
            PanelInt8.Store(acc3, destination + (long)(t + 3) * destinationStride, rows);
        }
        for (; t < tokens; t++)
        {
            byte* a = activations + (long)t * activationRowBytes;
            Vector256<float> acc = default;
            for (int b = 0; b < blocks; b++)
            {
                byte* p = panel + (long)b * panelBlockBytes;
                nint ao = b * ActivationBlockBytes;
                Vector256<int> isum = default;
                for (int s = 0; s < 8; s++)
                {
                    byte* g = p + s * WeightPanel.GroupBytes;
                    nint q = ao + QuantsOffset + 32 * s;
                    isum += Group(Vector256.Load(g), Vector256.Load(g + 32), Vector256.Load(g + 64), Vector256.Load(g + 96), a + q)
                        * Vector256.Load((int*)(p + ExtrasOffset) + 16 * s);
                    isum += Group(Vector256.Load(g + 128), Vector256.Load(g + 160), Vector256.Load(g + 192), Vector256.Load(g + 224), a + q + 16)
                        * Vector256.Load((int*)(p + ExtrasOffset) + 16 * s + 8);
                }
                acc = Finish(acc, isum, p, a + ao, Vector256.Load((float*)(p + ScaleOffset)));
            }
            PanelInt8.Store(acc, destination + (long)t * destinationStride, rows);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group(Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3, byte* quants)
    {
        var sum = PanelInt8.MultiplyAdd(Vector256<int>.Zero, w0, PanelInt8.Broadcast4(quants));
        sum = PanelInt8.MultiplyAdd(sum, w1, PanelInt8.Broadcast4(quants + 4));
        sum = PanelInt8.MultiplyAdd(sum, w2, PanelInt8.Broadcast4(quants + 8));
        return PanelInt8.MultiplyAdd(sum, w3, PanelInt8.Broadcast4(quants + 12));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<float> accumulator, Vector256<int> isum, byte* panelBlock, byte* activationBlock, Vector256<float> d)
    {
        var offsetCorrection = Vector256<int>.Zero;
        byte* bsums = activationBlock + BlockSumsOffset;
        for (int k = 0; k < 8; k++)
            offsetCorrection = PanelInt8.MultiplyAddPairs(offsetCorrection, Vector256.Load((short*)(panelBlock + ScalePairsOffset) + 16 * k), Vector256.Create(*(int*)(bsums + 4 * k)).AsInt16());
        var total = isum - (offsetCorrection << 5);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(total), d * Vector256.Create(*(float*)activationBlock), accumulator);
    }

    /// <summary>Scalar reference twin of <see cref="Run"/>.</summary>
    public static void RunScalar(byte* panel, int blocks, byte* activations, int activationRowBytes,
        int tokens, float* destination, int destinationStride, int rows)
    {
        for (int t = 0; t < tokens; t++)
        {
            byte* a = activations + (long)t * activationRowBytes;
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* p = panel + (long)b * PanelBlockBytes;
                    byte* block = a + b * ActivationBlockBytes;
                    sbyte* q8 = (sbyte*)(block + QuantsOffset);
                    short* bsums = (short*)(block + BlockSumsOffset);
                    int isum = 0;
                    for (int g = 0; g < 16; g++)
                    {
                        int group = 0;
                        for (int e = 0; e < 16; e++)
                        {
                            int element = 16 * g + e;
                            int code = p[(element / 32) * WeightPanel.GroupBytes + 32 * ((element % 32) / 4) + 4 * r + element % 4];
                            group += (code - 32) * q8[element];
                        }
                        isum += ((int*)(p + ExtrasOffset))[8 * g + r] * group;
                    }
                    acc = MathF.FusedMultiplyAdd(isum, ((float*)(p + ScaleOffset))[r] * *(float*)block, acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
