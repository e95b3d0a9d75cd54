using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// A copy of a weight's rows regrouped eight at a time for the decode kernels
/// (<see cref="Q4_0Interleaved"/>), made once at load in 64-byte aligned native memory. Rows past the last
/// whole group of eight stay in the file and take the per-row kernels.
/// </summary>
internal sealed unsafe class InterleavedRows : IDisposable
{
    private InterleavedRows(byte* data, int groups, int blocks)
    {
        Data = data;
        Groups = groups;
        Blocks = blocks;
    }

    public byte* Data { get; private set; }
    public int Groups { get; }
    public int Blocks { get; }
    public int Rows => Groups * Q4_0Interleaved.RowsPerGroup;

    /// <summary>The interleaved copy of <paramref name="weight"/>, or null for types and cores it does not pay for.</summary>
    public static InterleavedRows? TryCreate(CpuWeightTensor weight)
    {
        if (weight.Type != GgmlType.Q4_0 || !Q4_0InterleavedKernels.IsSupported) return null;
        int groups = weight.Rows / Q4_0Interleaved.RowsPerGroup;
        if (groups == 0) return null;
        int blocks = weight.RowLength / Q4_0Kernels.BlockSize;
        long bytes = Q4_0Interleaved.Bytes(groups, blocks);
        var data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        for (int g = 0; g < groups; g++)
            Q4_0Interleaved.Repack(weight.Data + (long)g * Q4_0Interleaved.RowsPerGroup * weight.RowBytes, weight.RowBytes, blocks,
                data + Q4_0Interleaved.Bytes(g, blocks));
        return new InterleavedRows(data, groups, blocks);
    }

    /// <summary>destination[8g + r] for groups [<paramref name="firstGroup"/>, <paramref name="endGroup"/>) against one Q8_0 activation row.</summary>
    public void Dot(int firstGroup, int endGroup, byte* activation, float* destination) =>
        Q4_0InterleavedKernels.DotGroups(Data + Q4_0Interleaved.Bytes(firstGroup, Blocks), endGroup - firstGroup, Blocks, activation,
            destination + (long)firstGroup * Q4_0Interleaved.RowsPerGroup);

    public void Dispose()
    {
        if (Data == null) return;
        NativeMemory.AlignedFree(Data);
        Data = null;
    }
}
