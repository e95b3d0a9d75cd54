using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Micro-kernel for weights of 32-element blocks with one scale each (Q4_0, Q8_0) against Q8_0
/// activations laid out by <see cref="ActivationTiles"/>: eight panel rows × eight tokens per step. Each
/// panel vector is loaded once per block and multiplied with four bytes of each of the eight tokens, so
/// eight independent integer sums are in flight (the multiply-add's latency is hidden) and one load feeds
/// eight multiply-adds. Each token's block then costs one conversion and one fused multiply-add of
/// (d_w · d_a) into a float accumulator that stays in a register for the whole row. Per block and lane the
/// int sum is exact; the float steps are, per lane, <c>acc = fma(isum, d_w · d_a, acc)</c> in block order,
/// as <see cref="RunScalar"/> does.
/// </summary>
internal static unsafe class Block32PanelKernel
{
    private const int PanelBlockBytes = WeightPanel.GroupBytes + 32;
    private const int TileBlockBytes = ActivationTiles.Q8_0BlockBytes;
    private const int QuantsOffset = 64;

    /// <summary>
    /// destination[t · stride + r] = Σ over <paramref name="blocks"/>, for tokens 0..tokens−1 of
    /// <paramref name="tiles"/> (<see cref="ActivationTiles.BuildQ8_0"/>) and panel rows 0..rows−1.
    /// </summary>
    public static void Run(byte* panel, int blocks, byte* tiles, int tokens, float* destination, int destinationStride, int rows)
    {
        for (int first = 0; first < tokens; first += ActivationTiles.Tokens)
        {
            byte* a = tiles + (long)(first / ActivationTiles.Tokens) * blocks * TileBlockBytes;
            Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
            byte* p = panel;
            for (int b = 0; b < blocks; b++, p += PanelBlockBytes, a += TileBlockBytes)
            {
                int* offsets = (int*)a + ActivationTiles.Tokens;
                Vector256<int> i0 = Vector256.Create(offsets[0]), i1 = Vector256.Create(offsets[1]);
                Vector256<int> i2 = Vector256.Create(offsets[2]), i3 = Vector256.Create(offsets[3]);
                Vector256<int> i4 = Vector256.Create(offsets[4]), i5 = Vector256.Create(offsets[5]);
                Vector256<int> i6 = Vector256.Create(offsets[6]), i7 = Vector256.Create(offsets[7]);
                byte* q = a + QuantsOffset;
                byte* w = p;
                for (int j = 0; j < 8; j++, q += 32, w += 32)
                {
                    var codes = Vector256.Load(w);
                    i0 = PanelInt8.MultiplyAdd(i0, codes, PanelInt8.Broadcast4(q));
                    i1 = PanelInt8.MultiplyAdd(i1, codes, PanelInt8.Broadcast4(q + 4));
                    i2 = PanelInt8.MultiplyAdd(i2, codes, PanelInt8.Broadcast4(q + 8));
                    i3 = PanelInt8.MultiplyAdd(i3, codes, PanelInt8.Broadcast4(q + 12));
                    i4 = PanelInt8.MultiplyAdd(i4, codes, PanelInt8.Broadcast4(q + 16));
                    i5 = PanelInt8.MultiplyAdd(i5, codes, PanelInt8.Broadcast4(q + 20));
                    i6 = PanelInt8.MultiplyAdd(i6, codes, PanelInt8.Broadcast4(q + 24));
                    i7 = PanelInt8.MultiplyAdd(i7, codes, PanelInt8.Broadcast4(q + 28));
                }
                var scales = Vector256.Load((float*)(p + WeightPanel.GroupBytes));
                float* d = (float*)a;
                f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i0), scales * Vector256.Create(d[0]), f0);
                f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i1), scales * Vector256.Create(d[1]), f1);
                f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i2), scales * Vector256.Create(d[2]), f2);
                f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i3), scales * Vector256.Create(d[3]), f3);
                f4 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i4), scales * Vector256.Create(d[4]), f4);
                f5 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i5), scales * Vector256.Create(d[5]), f5);
                f6 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i6), scales * Vector256.Create(d[6]), f6);
                f7 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i7), scales * Vector256.Create(d[7]), f7);
            }
            PanelInt8.StoreTile(f0, f1, f2, f3, f4, f5, f6, f7, tokens - first, destination + (long)first * destinationStride, destinationStride, rows);
        }
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
