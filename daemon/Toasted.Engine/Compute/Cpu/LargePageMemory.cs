using System.Runtime.InteropServices;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Native memory for large weight copies that the decode kernels stream through once per token. On Linux
/// it is 2 MiB aligned and marked for transparent huge pages (where the kernel only gives them on request,
/// the common <c>madvise</c> setting), so a 600 MB stream costs a few hundred TLB entries instead of
/// 150,000 page walks. Elsewhere, or when the kernel declines, it is ordinary 64-byte aligned memory.
/// </summary>
internal static unsafe partial class LargePageMemory
{
    private const nuint HugePageBytes = 2 * 1024 * 1024;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    public static byte* Allocate(long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < (long)HugePageBytes)
            return (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        // Whole huge pages, so the advice covers every byte of the copy.
        var rounded = ((nuint)bytes + HugePageBytes - 1) & ~(HugePageBytes - 1);
        var memory = (byte*)NativeMemory.AlignedAlloc(rounded, HugePageBytes);
        // Advice only: when it is refused the memory works the same with small pages.
        _ = Advise(memory, rounded, MadviseHugePage);
        return memory;
    }

    /// <summary>
    /// Memory written as it is used, a little at a time (the KV cache): zeroed at once, so every page is
    /// faulted in here rather than one page fault at a time inside the timed steps that first reach it, as
    /// llama.cpp clears its cache buffer when it creates a context. Anything from a quarter of a huge page up
    /// is rounded to whole huge pages, so that a short cache also costs one TLB entry instead of hundreds:
    /// a decode step reaches the cache after streaming the weights, when its page-table entries are long gone
    /// from the caches.
    /// </summary>
    public static byte* AllocateZeroed(long bytes)
    {
        var rounded = bytes >= (long)HugePageBytes / 4 ? (long)(((nuint)bytes + HugePageBytes - 1) & ~(HugePageBytes - 1)) : bytes;
        var memory = Allocate(rounded);
        NativeMemory.Clear(memory, (nuint)rounded);
        return memory;
    }

    public static void Free(byte* memory) => NativeMemory.AlignedFree(memory);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Advise(void* address, nuint length, int advice);
}
