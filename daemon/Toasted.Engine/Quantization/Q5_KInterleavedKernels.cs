using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q5_KInterleaved"/> groups: Q4_K's loops (<see cref="ScaleMinInterleavedLoops{TCodes}"/>),
/// with each nibble vector given its fifth bits before it meets the activation patterns (the same digest). Bit s of the qh
/// bytes becomes bit 4 of each code, in one GFNI affine transform where the core has it (<see cref="FifthBits512"/>),
/// else a shift pair and a mask. The float steps are those of <see cref="Q5_KInterleaved.DotGroupsScalar"/>, so every
/// path equals it to the bit.
/// <para>
/// Exactness: a <c>vpmaddubsw</c> pair sum is at most 2 · 31 · 128 = 7936 in magnitude, so four of them fit a short
/// (31744) and eight would not: the 512-bit loop adds four per lane before <c>vpmaddwd</c> (as for Q4_K), the 256-bit
/// loop widens every four steps instead of every eight (<see cref="IInterleavedScaleMinCodes.StepsPerWidening"/>).
/// </para>
/// </summary>
public readonly unsafe struct Q5_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = Q4_KInterleavedKernels.DigestBlockBytes;

    /// <summary>As <see cref="Q5_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q5_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q4_KInterleavedKernels.FillPatternDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        ScaleMinInterleavedLoops<NibblesAndFifthBits>.Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        ScaleMinInterleavedLoops<NibblesAndFifthBits>.Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q5_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>Q5_K's codes: a nibble, with bit 2·chunk (low) or 2·chunk + 1 (high) of its fifth-bit byte above it.</summary>
    private readonly struct NibblesAndFifthBits : IInterleavedScaleMinCodes
    {
        public static long GroupBytes(int blocks) => Q5_KInterleaved.GroupBytes(blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* Column(byte* group, int block, int blocks, out byte* header) => Q5_KInterleaved.Column(group, block, blocks, out header);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Extra512(byte* quants, int t) => Vector512.Load(quants + Q5_KInterleaved.HighBitsOffset + 64 * t);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Low512(Vector512<byte> packed, Vector512<byte> extra, int chunk) =>
            (packed & Vector512.Create((byte)0x0F)) | FifthBits512(extra, 2 * chunk);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> High512(Vector512<byte> packed, Vector512<byte> extra, int chunk) =>
            PackedNibbles.High512(packed) | FifthBits512(extra, 2 * chunk + 1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Extra256(byte* quants, int c) => Vector256.Load(quants + Q5_KInterleaved.HighBitsOffset + 32 * c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Low256(Vector256<byte> packed, Vector256<byte> extra, int chunk) =>
            (packed & Vector256.Create((byte)0x0F)) | FifthBits256(extra, 2 * chunk);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> High256(Vector256<byte> packed, Vector256<byte> extra, int chunk) =>
            PackedNibbles.High256(packed) | FifthBits256(extra, 2 * chunk + 1);

        public static int StepsPerWidening => 4;
    }

    /// <summary>
    /// Bit <paramref name="bit"/> of every byte moved to bit 4, the rest cleared. GFNI: output bit i is the parity of
    /// the input byte masked by matrix byte 7 − i, so matrix byte 3 holds the one input bit. Without it a 16-bit shift
    /// right then left keeps bit <paramref name="bit"/> of either byte of a lane at bit 4 of the same byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> FifthBits512(Vector512<byte> bits, int bit) =>
        Gfni.V512.IsSupported
            ? Gfni.V512.GaloisFieldAffineTransform(bits, Vector512.Create(1UL << (24 + bit)).AsByte(), 0)
            : ((bits.AsUInt16() >>> bit) << 4).AsByte() & Vector512.Create((byte)0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBits256(Vector256<byte> bits, int bit) =>
        Gfni.V256.IsSupported
            ? Gfni.V256.GaloisFieldAffineTransform(bits, Vector256.Create(1UL << (24 + bit)).AsByte(), 0)
            : ((bits.AsUInt16() >>> bit) << 4).AsByte() & Vector256.Create((byte)0x10);
}
