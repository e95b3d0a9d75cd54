using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Per (token, block) of Q8_0 activations: the block's scale as f32 and −offset · Σ quants. The panel
/// kernels store weights as unsigned codes (value + offset) so that one unsigned × signed multiply-add
/// serves them; starting each block's int sum at −offset · Σ a removes the offset exactly:
/// Σ (w + offset)·a − offset·Σ a = Σ w·a. Built once per token chunk, read for every row panel.
/// </summary>
internal static unsafe class Q8_0ActivationSums
{
    public const int EntryBytes = 8;
    private const int BlockBytes = 34;

    public static void Build(byte* activations, int activationRowBytes, int tokens, int blocks, int offset, byte* table)
    {
        for (int t = 0; t < tokens; t++)
        {
            byte* row = activations + (long)t * activationRowBytes;
            byte* entries = table + (long)t * blocks * EntryBytes;
            for (int b = 0; b < blocks; b++)
            {
                byte* block = row + b * BlockBytes;
                sbyte* q = (sbyte*)(block + 2);
                int sum = 0;
                for (int j = 0; j < 32; j++) sum += q[j];
                *(float*)(entries + b * EntryBytes) = Float16Bits.ToSingle(*(ushort*)block);
                *(int*)(entries + b * EntryBytes + 4) = -offset * sum;
            }
        }
    }
}
