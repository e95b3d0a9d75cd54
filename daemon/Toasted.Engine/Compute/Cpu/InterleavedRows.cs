using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// A copy of a weight's rows regrouped for the decode kernels, sixteen at a time for Q4_0, IQ4_NL, Q4_1, Q5_0, Q5_1 and Q8_0
/// (<see cref="Q4_0Interleaved"/>, which IQ4_NL shares, <see cref="Block32ExtrasInterleaved"/>, <see cref="Q8_0Interleaved"/>) and eight for <see cref="Q4_KInterleaved"/>,
/// <see cref="Q5_KInterleaved"/>, <see cref="Q6_KInterleaved"/>, <see cref="Q2_KInterleaved"/>, <see cref="Q3_KInterleaved"/> and <see cref="IQ4_XSInterleaved"/>, made once at load in 64-byte aligned native memory. Rows past the last whole group
/// stay in the file and take the per-row kernels.
/// </summary>
internal sealed unsafe class InterleavedRows : IDisposable
{
    private readonly GgmlType _type;
    private readonly long _groupBytes;
    private readonly bool _ownsData;

    private InterleavedRows(GgmlType type, byte* data, int groups, int blocks, long groupBytes, bool ownsData = true)
    {
        _type = type;
        RowsPerGroup = RowsPerGroupOf(type);
        _groupBytes = groupBytes;
        _ownsData = ownsData;
        Data = data;
        Groups = groups;
        Blocks = blocks;
    }

    /// <summary>Rows per group of <paramref name="type"/>'s layout.</summary>
    public static int RowsPerGroupOf(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.IQ4_NL => Q4_0Interleaved.RowsPerGroup,
        GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 => Block32ExtrasInterleaved.RowsPerGroup,
        GgmlType.Q8_0 => Q8_0Interleaved.RowsPerGroup,
        GgmlType.Q4_K => Q4_KInterleaved.RowsPerGroup,
        GgmlType.Q5_K => Q5_KInterleaved.RowsPerGroup,
        GgmlType.Q6_K => Q6_KInterleaved.RowsPerGroup,
        GgmlType.Q2_K => Q2_KInterleaved.RowsPerGroup,
        GgmlType.Q3_K => Q3_KInterleaved.RowsPerGroup,
        GgmlType.IQ4_XS => IQ4_XSInterleaved.RowsPerGroup,
        // The types that have no interleaved layout: their weights never hold groups, so any count serves.
        _ => 1,
    };

    public int RowsPerGroup { get; }
    public byte* Data { get; private set; }
    public int Groups { get; }
    public int Blocks { get; }
    public int Rows => Groups * RowsPerGroup;

    /// <summary>The interleaved copy of <paramref name="weight"/>, or null for types and cores it does not pay for.</summary>
    public static InterleavedRows? TryCreate(CpuWeightTensor weight)
    {
        bool supported = weight.Type switch
        {
            GgmlType.Q4_0 => Q4_0InterleavedKernels.IsSupported,
            GgmlType.IQ4_NL => IQ4_NLInterleavedKernels.IsSupported,
            GgmlType.Q4_1 => Block32ExtrasInterleavedKernels<Q4_1Extras>.IsSupported,
            GgmlType.Q5_0 => Block32ExtrasInterleavedKernels<Q5_0Extras>.IsSupported,
            GgmlType.Q5_1 => Block32ExtrasInterleavedKernels<Q5_1Extras>.IsSupported,
            GgmlType.Q8_0 => Q8_0InterleavedKernels.IsSupported,
            GgmlType.Q4_K => Q4_KInterleavedKernels.IsSupported,
            GgmlType.Q5_K => Q5_KInterleavedKernels.IsSupported,
            GgmlType.Q6_K => Q6_KInterleavedKernels.IsSupported,
            GgmlType.Q2_K => Q2_KInterleavedKernels.IsSupported,
            GgmlType.Q3_K => Q3_KInterleavedKernels.IsSupported,
            GgmlType.IQ4_XS => IQ4_XSInterleavedKernels.IsSupported,
            _ => false,
        };
        int rowsPerGroup = RowsPerGroupOf(weight.Type);
        int groups = weight.Rows / rowsPerGroup;
        if (!supported || groups == 0) return null;
        int blocks = weight.RowLength / weight.Traits.BlockSize;
        long fileGroupBytes = rowsPerGroup * weight.RowBytes;
        // Groups are whole 64-byte lines: Q4_0's (and IQ4_NL's, Q4_1's, Q5_0's, Q5_1's) and Q8_0's keep the bytes of their file rows (32 more when the block
        // count is odd), the K-quants' and IQ4_XS's are padded a little, and Q4_K's and Q5_K's unpacked scales take 2.8 % and
        // 2.3 % more, IQ4_XS's 2.9 %, Q3_K's (whose 6-bit scales widen to bytes) 5.5 %.
        long groupBytes = weight.Type switch
        {
            GgmlType.Q4_0 or GgmlType.IQ4_NL => Q4_0Interleaved.GroupBytes(blocks),
            GgmlType.Q4_1 => Block32ExtrasInterleaved.GroupBytes<Q4_1Extras>(blocks),
            GgmlType.Q5_0 => Block32ExtrasInterleaved.GroupBytes<Q5_0Extras>(blocks),
            GgmlType.Q5_1 => Block32ExtrasInterleaved.GroupBytes<Q5_1Extras>(blocks),
            GgmlType.Q8_0 => Q8_0Interleaved.GroupBytes(blocks),
            GgmlType.Q4_K => Q4_KInterleaved.GroupBytes(blocks),
            GgmlType.Q5_K => Q5_KInterleaved.GroupBytes(blocks),
            GgmlType.IQ4_XS => IQ4_XSInterleaved.GroupBytes(blocks),
            GgmlType.Q2_K => Q2_KInterleaved.GroupBytes(blocks),
            GgmlType.Q3_K => Q3_KInterleaved.GroupBytes(blocks),
            _ => Q6_KInterleaved.GroupBytes(blocks),
        };
        var data = LargePageMemory.Allocate(groups * groupBytes);
        for (int g = 0; g < groups; g++)
        {
            byte* source = weight.Data + g * fileGroupBytes;
            byte* target = data + g * groupBytes;
            switch (weight.Type)
            {
                case GgmlType.Q4_0 or GgmlType.IQ4_NL: Q4_0Interleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q4_1: Block32ExtrasInterleaved.Repack<Q4_1Extras>(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q5_0: Block32ExtrasInterleaved.Repack<Q5_0Extras>(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q5_1: Block32ExtrasInterleaved.Repack<Q5_1Extras>(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q8_0: Q8_0Interleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q4_K: Q4_KInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q5_K: Q5_KInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.IQ4_XS: IQ4_XSInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q2_K: Q2_KInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
                case GgmlType.Q3_K: Q3_KInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
                default: Q6_KInterleaved.Repack(source, weight.RowBytes, blocks, target); break;
            }
        }
        return new InterleavedRows(weight.Type, data, groups, blocks, groupBytes);
    }

    /// <summary>
    /// The groups <paramref name="firstGroup"/> … firstGroup + <paramref name="groups"/> − 1 as a view on this copy
    /// (one expert's rows of a 3-D expert tensor); the view does not own the memory and its Dispose frees nothing.
    /// </summary>
    public InterleavedRows Slice(int firstGroup, int groups)
    {
        if (firstGroup < 0 || groups < 0 || firstGroup + groups > Groups)
            throw new ArgumentOutOfRangeException(nameof(groups), $"groups [{firstGroup}, {firstGroup + groups}) outside 0..{Groups}");
        return new InterleavedRows(_type, Data + firstGroup * _groupBytes, groups, Blocks, _groupBytes, ownsData: false);
    }

    /// <summary>destination[<see cref="RowsPerGroup"/> · g + r] for groups [<paramref name="firstGroup"/>, <paramref name="endGroup"/>) against one activation row in the type's activation format.</summary>
    public void Dot(int firstGroup, int endGroup, byte* activation, float* destination)
    {
        byte* first = Data + firstGroup * _groupBytes;
        float* results = destination + (long)firstGroup * RowsPerGroup;
        int groups = endGroup - firstGroup;
        switch (_type)
        {
            case GgmlType.Q4_0: Q4_0InterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.IQ4_NL: IQ4_NLInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q4_1: Block32ExtrasInterleavedKernels<Q4_1Extras>.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q5_0: Block32ExtrasInterleavedKernels<Q5_0Extras>.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q5_1: Block32ExtrasInterleavedKernels<Q5_1Extras>.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q8_0: Q8_0InterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q4_K: Q4_KInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q5_K: Q5_KInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.IQ4_XS: IQ4_XSInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q2_K: Q2_KInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            case GgmlType.Q3_K: Q3_KInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
            default: Q6_KInterleavedKernels.DotGroups(first, groups, Blocks, activation, results); break;
        }
    }

    public void Dispose()
    {
        if (Data == null) return;
        if (_ownsData) LargePageMemory.Free(Data);
        Data = null;
    }
}
