using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for weights of 32-element blocks with one scale each (Q4_0, Q8_0) against Q8_0
/// activations: eight panel rows × four tokens per step. A block's eight code vectors are loaded once
/// and reused by the four tokens; each token's block costs eight multiply-adds on broadcast activation
/// bytes, one conversion and one fused multiply-add of (d_w · d_a) into a float accumulator that stays
/// in a register for the whole row. Per block and lane the int sum is exact; the float steps are, per
/// lane, <c>acc = fma(isum, d_w · d_a, acc)</c> in block order, as <see cref="RunScalar"/> does.
/// </summary>
internal static unsafe class Block32PanelKernel
{
    private const int ActivationBlockBytes = 34;
    private const int TokensPerTile = 4;

    /// <summary>
    /// destination[t · stride + r] = Σ over <paramref name="blocks"/> for tokens 0..tokens−1 and panel rows
    /// 0..rows−1. <paramref name="sums"/> is the <see cref="Q8_0ActivationSums"/> table of these tokens.
    /// </summary>
    public static void Run(byte* panel, int blocks, byte* activations, int activationRowBytes, byte* sums,
        int tokens, float* destination, int destinationStride, int rows)
    {
        int t = 0;
        for (; t + TokensPerTile <= tokens; t += TokensPerTile)
        {
            byte* a0 = activations + (long)t * activationRowBytes + 2;
            byte* a1 = a0 + activationRowBytes;
            byte* a2 = a1 + activationRowBytes;
            byte* a3 = a2 + activationRowBytes;
            long sumsStride = (long)blocks * Q8_0ActivationSums.EntryBytes;
            byte* s0 = sums + t * sumsStride;
            byte* s1 = s0 + sumsStride;
            byte* s2 = s1 + sumsStride;
            byte* s3 = s2 + sumsStride;
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            byte* p = panel;
            for (int b = 0; b < blocks; b++)
            {
                var w0 = Vector256.Load(p); var w1 = Vector256.Load(p + 32);
                var w2 = Vector256.Load(p + 64); var w3 = Vector256.Load(p + 96);
                var w4 = Vector256.Load(p + 128); var w5 = Vector256.Load(p + 160);
                var w6 = Vector256.Load(p + 192); var w7 = Vector256.Load(p + 224);
                var scales = Vector256.Load((float*)(p + WeightPanel.GroupBytes));
                nint ao = b * ActivationBlockBytes, so = b * Q8_0ActivationSums.EntryBytes;
                acc0 = Step(acc0, w0, w1, w2, w3, w4, w5, w6, w7, scales, a0 + ao, s0 + so);
                acc1 = Step(acc1, w0, w1, w2, w3, w4, w5, w6, w7, scales, a1 + ao, s1 + so);
                acc2 = Step(acc2, w0, w1, w2, w3, w4, w5, w6, w7, scales, a2 + ao, s2 + so);
                acc3 = Step(acc3, w0, w1, w2, w3, w4, w5, w6, w7, scales, a3 + ao, s3 + so);
                p += WeightPanel.GroupBytes + 32;
            }
            PanelInt8.Store(acc0, destination + (long)t * destinationStride, rows);
            PanelInt8.Store(acc1, destination + (long)(t + 1) * destinationStride, rows);
            PanelInt8.Store(acc2, destination + (long)(t + 2) * destinationStride, rows);
            PanelInt8.Store(acc3, destination + (long)(t + 3) * destinationStride, rows);
        }
        for (; t < tokens; t++)
        {
            byte* a = activations + (long)t * activationRowBytes + 2;
            byte* s = sums + (long)t * blocks * Q8_0ActivationSums.EntryBytes;
            Vector256<float> acc = default;
            byte* p = panel;
            for (int b = 0; b < blocks; b++)
            {
                acc = Step(acc,
                    Vector256.Load(p), Vector256.Load(p + 32), Vector256.Load(p + 64), Vector256.Load(p + 96),
                    Vector256.Load(p + 128), Vector256.Load(p + 160), Vector256.Load(p + 192), Vector256.Load(p + 224),
                    Vector256.Load((float*)(p + WeightPanel.GroupBytes)), a + b * ActivationBlockBytes, s + b * Q8_0ActivationSums.EntryBytes);
                p += WeightPanel.GroupBytes + 32;
            }
            PanelInt8.Store(acc, destination + (long)t * destinationStride, rows);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Step(Vector256<float> accumulator,
        Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3,
        Vector256<byte> w4, Vector256<byte> w5, Vector256<byte> w6, Vector256<byte> w7,
        Vector256<float> weightScales, byte* activationQuants, byte* sumsEntry)
    {
        var isum = Vector256.Create(*(int*)(sumsEntry + 4));
        isum = PanelInt8.MultiplyAdd(isum, w0, PanelInt8.Broadcast4(activationQuants));
        isum = PanelInt8.MultiplyAdd(isum, w1, PanelInt8.Broadcast4(activationQuants + 4));
        isum = PanelInt8.MultiplyAdd(isum, w2, PanelInt8.Broadcast4(activationQuants + 8));
        isum = PanelInt8.MultiplyAdd(isum, w3, PanelInt8.Broadcast4(activationQuants + 12));
        isum = PanelInt8.MultiplyAdd(isum, w4, PanelInt8.Broadcast4(activationQuants + 16));
        isum = PanelInt8.MultiplyAdd(isum, w5, PanelInt8.Broadcast4(activationQuants + 20));
        isum = PanelInt8.MultiplyAdd(isum, w6, PanelInt8.Broadcast4(activationQuants + 24));
        isum = PanelInt8.MultiplyAdd(isum, w7, PanelInt8.Broadcast4(activationQuants + 28));
        var scale = weightScales * Vector256.Create(*(float*)sumsEntry);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), scale, accumulator);
    }

    /// <summary>Scalar reference twin of <see cref="Run"/>: the same ints and the same float steps per lane.</summary>
    public static void RunScalar(byte* panel, int blocks, byte* activations, int activationRowBytes, byte* sums,
        int tokens, float* destination, int destinationStride, int rows)
    {
        for (int t = 0; t < tokens; t++)
        {
            sbyte* a = (sbyte*)(activations + (long)t * activationRowBytes + 2);
            byte* s = sums + (long)t * blocks * Q8_0ActivationSums.EntryBytes;
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* p = panel + (long)b * (WeightPanel.GroupBytes + 32);
                    sbyte* q = a + b * ActivationBlockBytes;
                    int isum = *(int*)(s + b * Q8_0ActivationSums.EntryBytes + 4);
                    for (int j = 0; j < 8; j++)
                        for (int k = 0; k < 4; k++)
                            isum += p[32 * j + 4 * r + k] * q[4 * j + k];
                    float scale = ((float*)(p + WeightPanel.GroupBytes))[r] * *(float*)(s + b * Q8_0ActivationSums.EntryBytes);
                    acc = MathF.FusedMultiplyAdd(isum, scale, acc);
                }
                destination[(long)t * destinationStride + r] = acc;
            }
        }
    }
}
