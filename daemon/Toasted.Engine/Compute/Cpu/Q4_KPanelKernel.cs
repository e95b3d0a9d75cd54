using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for Q4_K panels against Q8_K activations: eight rows × four tokens per step. Per
/// super-block and lane the ints are exactly those of vec_dot_q4_K_q8_K: isum = Σ_s scale[s] · Σ q·a
/// (eight multiply-adds per sub-block and token, then one 32-bit multiply by the sub-block scales) and
/// imins = Σ_s min[s] · (bsums[2s] + bsums[2s+1]) (pairwise 16-bit multiply-adds). The float steps per
/// lane, in block order: <c>acc = fma(isum, d·d8, acc); acc = fma(imins, (−dmin)·d8, acc)</c>.
/// </summary>
internal static unsafe class Q4_KPanelKernel
{
    private const int ActivationBlockBytes = 292;
    private const int QuantsOffset = 4;
    private const int BlockSumsOffset = 260;
    private const int TokensPerTile = 4;
    private static readonly int PanelBlockBytes = WeightPanel.BlockBytes(Quantization.GgmlType.Q4_K);
    private const int ExtrasOffset = 8 * WeightPanel.GroupBytes;
    private const int MinPairsOffset = ExtrasOffset + 256;
    private const int ScalesOffset = ExtrasOffset + 512;

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
                    var scale = Vector256.Load((int*)(p + ExtrasOffset) + 8 * s);
                    nint q = ao + QuantsOffset + 32 * s;
                    isum0 += SubBlock(w0, w1, w2, w3, w4, w5, w6, w7, a0 + q) * scale;
                    isum1 += SubBlock(w0, w1, w2, w3, w4, w5, w6, w7, a1 + q) * scale;
                    isum2 += SubBlock(w0, w1, w2, w3, w4, w5, w6, w7, a2 + q) * scale;
                    isum3 += SubBlock(w0, w1, w2, w3, w4, w5, w6, w7, a3 + q) * scale;
                }
                var d = Vector256.Load((float*)(p + ScalesOffset));
                var negativeDmin = Vector256.Load((float*)(p + ScalesOffset) + 8);
                acc0 = Finish(acc0, isum0, p, a0 + ao, d, negativeDmin);
                acc1 = Finish(acc1, isum1, p, a1 + ao, d, negativeDmin);
                acc2 = Finish(acc2, isum2, p, a2 + ao, d, negativeDmin);
                acc3 = Finish(acc3, isum3, p, a3 + ao, d, negativeDmin);
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
                    isum += SubBlock(
                        Vector256.Load(g), Vector256.Load(g + 32), Vector256.Load(g + 64), Vector256.Load(g + 96),
                        Vector256.Load(g + 128), Vector256.Load(g + 160), Vector256.Load(g + 192), Vector256.Load(g + 224),
                        a + ao + QuantsOffset + 32 * s) * Vector256.Load((int*)(p + ExtrasOffset) + 8 * s);
                }
                acc = Finish(acc, isum, p, a + ao, Vector256.Load((float*)(p + ScalesOffset)), Vector256.Load((float*)(p + ScalesOffset) + 8));
            }
            PanelInt8.Store(acc, destination + (long)t * destinationStride, rows);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SubBlock(
        Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3,
        Vector256<byte> w4, Vector256<byte> w5, Vector256<byte> w6, Vector256<byte> w7, byte* quants)
    {
        var sum = PanelInt8.MultiplyAdd(Vector256<int>.Zero, w0, PanelInt8.Broadcast4(quants));
        sum = PanelInt8.MultiplyAdd(sum, w1, PanelInt8.Broadcast4(quants + 4));
        sum = PanelInt8.MultiplyAdd(sum, w2, PanelInt8.Broadcast4(quants + 8));
        sum = PanelInt8.MultiplyAdd(sum, w3, PanelInt8.Broadcast4(quants + 12));
        sum = PanelInt8.MultiplyAdd(sum, w4, PanelInt8.Broadcast4(quants + 16));
        sum = PanelInt8.MultiplyAdd(sum, w5, PanelInt8.Broadcast4(quants + 20));
        sum = PanelInt8.MultiplyAdd(sum, w6, PanelInt8.Broadcast4(quants + 24));
        return PanelInt8.MultiplyAdd(sum, w7, PanelInt8.Broadcast4(quants + 28));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<float> accumulator, Vector256<int> isum, byte* panelBlock, byte* activationBlock,
        Vector256<float> d, Vector256<float> negativeDmin)
    {
        var imins = Vector256<int>.Zero;
        byte* bsums = activationBlock + BlockSumsOffset;
        for (int s = 0; s < 8; s++)
            imins = PanelInt8.MultiplyAddPairs(imins, Vector256.Load((short*)(panelBlock + MinPairsOffset) + 16 * s), Vector256.Create(*(int*)(bsums + 4 * s)).AsInt16());
        var d8 = Vector256.Create(*(float*)activationBlock);
        accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), d * d8, accumulator);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(imins), negativeDmin * d8, accumulator);
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
                    int isum = 0, imins = 0;
                    for (int s = 0; s < 8; s++)
                    {
                        int sub = 0;
                        for (int j = 0; j < 8; j++)
                            for (int k = 0; k < 4; k++)
                                sub += p[s * WeightPanel.GroupBytes + 32 * j + 4 * r + k] * q8[32 * s + 4 * j + k];
                        isum += ((int*)(p + ExtrasOffset))[8 * s + r] * sub;
                        short* minPair = (short*)(p + MinPairsOffset) + 16 * s + 2 * r;
                        imins += minPair[0] * bsums[2 * s] + minPair[1] * bsums[2 * s + 1];
                    }
                    float d8 = *(float*)block;
                    acc = MathF.FusedMultiplyAdd(isum, ((float*)(p + ScalesOffset))[r] * d8, acc);
                    acc = MathF.FusedMultiplyAdd(imins, ((float*)(p + ScalesOffset))[8 + r] * d8, acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
