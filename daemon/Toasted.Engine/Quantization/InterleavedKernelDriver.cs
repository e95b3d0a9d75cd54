using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// What each interleaved decode kernel (<see cref="Q4_0InterleavedKernels"/>, <see cref="Q8_0InterleavedKernels"/>,
/// <see cref="Q4_KInterleavedKernels"/>, <see cref="Q6_KInterleavedKernels"/>) supplies to the shared driver:
/// its activation layout and its 512- and 256-bit loops (and, where it has one, a 256-bit AVX-VNNI loop), plus the
/// scalar twin for cores without AVX2.
/// </summary>
internal unsafe interface IInterleavedKernel
{
    /// <summary>Bytes of prepared activation per block (the per-block float scale comes on top).</summary>
    static abstract int DigestBlockBytes { get; }

    static abstract void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales);

    static abstract void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination);

    static abstract void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination);

    /// <summary>
    /// Whether the kernel has a 256-bit AVX-VNNI loop (<see cref="GroupsVnni256"/>). Where AVX-VNNI exists the
    /// driver takes it before the 512-bit loop, and the kernel's digest is the one that loop reads.
    /// </summary>
    static virtual bool HasVnniLoop => false;

    static virtual void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        throw new NotSupportedException("this kernel has no AVX-VNNI loop");

    static abstract void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination);
}

/// <summary>
/// The one driver of the interleaved kernels: the scalar twin on cores without AVX2; otherwise the activation
/// row laid out once per call in per-thread scratch, then the kernel's AVX-VNNI loop where the core has AVX-VNNI,
/// else the widest loop it has.
/// </summary>
internal static unsafe class InterleavedKernelDriver<TKernel> where TKernel : IInterleavedKernel
{
    /// <summary>True when the kernel's AVX-VNNI loop runs (and its digest is the one to fill).</summary>
    public static bool UsesVnniLoop => TKernel.HasVnniLoop && AvxVnni.IsSupported;

    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination)
    {
        if (!Int8MultiplyAdd.Is256Supported)
        {
            TKernel.DotGroupsScalar(packed, groups, blocks, activation, destination);
            return;
        }
        if (groups <= 0) return;
        byte* digest = InterleavedScratch.Get((long)blocks * (TKernel.DigestBlockBytes + sizeof(float)));
        float* activationScales = (float*)(digest + (long)blocks * TKernel.DigestBlockBytes);
        TKernel.FillDigest(activation, blocks, digest, activationScales);
        if (UsesVnniLoop)
            TKernel.GroupsVnni256(packed, groups, blocks, digest, activationScales, destination);
        else if (Int8MultiplyAdd.Is512Supported)
            TKernel.Groups512(packed, groups, blocks, digest, activationScales, destination);
        else
            TKernel.Groups256(packed, groups, blocks, digest, activationScales, destination);
    }
}
