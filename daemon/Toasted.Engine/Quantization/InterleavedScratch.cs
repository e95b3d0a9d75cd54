using System.Runtime.InteropServices;

namespace Toasted.Engine.Quantization;

/// <summary>Per-thread native memory for the activation patterns the interleaved kernels prepare per call.</summary>
internal static unsafe class InterleavedScratch
{
    [ThreadStatic] private static byte* _memory;
    [ThreadStatic] private static long _bytes;

    /// <summary>At least <paramref name="bytes"/> bytes, 64-byte aligned, valid until this thread's next call.</summary>
    public static byte* Get(long bytes)
    {
        if (_bytes < bytes)
        {
            if (_memory != null) NativeMemory.AlignedFree(_memory);
            _memory = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            _bytes = bytes;
        }
        return _memory;
    }
}
