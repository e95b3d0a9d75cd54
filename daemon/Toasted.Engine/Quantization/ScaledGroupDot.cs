using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The integer core shared by the super-block types whose quants are decoded to one byte per element first
/// (Q2_K, Q3_K, Q5_K, IQ4_XS): for one 256-element block, Σ_g scale[g] · Σ_{e in group g} quant[e]·q8[e] over
/// the 16 groups of 16 elements. Types with one scale per 32 elements pass each scale twice.
/// <para>
/// Every path computes the same exact int, so the result does not depend on the instruction set:
/// the 512- and 256-bit paths use vpmaddubsw + vpmaddwd (exact under <see cref="Int8MultiplyAdd"/>'s range
/// contract: unsigned quants at most 128, signed quants in [-128, 127], q8 in [-127, 127]); the 128-bit path
/// uses only portable <see cref="Vector128"/> operations (16-bit products, widened to 32 bits), so it runs as
/// it is on ARM64; the scalar loop is the reference.
/// </para>
/// </summary>
internal static class ScaledGroupDot
{
    public const int Groups = 16;
    private const int GroupSize = 16;

    /// <summary>Lane i of a 512-bit step of pair sums belongs to the (i / 8)-th group of that step.</summary>
    private static readonly Vector512<short> GroupOfLane = Vector512.Create(
        (short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);

    /// <summary>Quants in [0, 128] (bytes read as unsigned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Unsigned(ref byte quants, ref sbyte q8, ref short scales) => Compute(ref quants, ref q8, ref scales, signedQuants: false);

    /// <summary>Quants in [-128, 127] (bytes read as signed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Signed(ref byte quants, ref sbyte q8, ref short scales) => Compute(ref quants, ref q8, ref scales, signedQuants: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Compute(ref byte quants, ref sbyte q8, ref short scales, bool signedQuants)
    {
        if (Int8MultiplyAdd.Is512Supported)
        {
            var wideScales = Vector256.LoadUnsafe(ref scales);
            var scales512 = VectorHalves.Repeat(wideScales);
            var acc = Vector512<int>.Zero;
            for (int step = 0; step < 4; step++)
            {
                var q = Vector512.LoadUnsafe(ref quants, (nuint)(64 * step));
                var a = Vector512.LoadUnsafe(ref q8, (nuint)(64 * step));
                // Lanes 8k .. 8k+7 (the pair sums of group 4·step + k) all take that group's scale.
                var weights = Avx512BW.PermuteVar32x16(scales512, GroupOfLane + Vector512.Create((short)(4 * step)));
                if (signedQuants)
                {
                    var qs = q.AsSByte();
                    var magnitude = Vector512.Abs(qs).AsByte();
                    a = Vector512.ConditionalSelect(Vector512.LessThan(qs, Vector512<sbyte>.Zero), -a, a);
                    acc = Int8MultiplyAdd.UnsignedScaled(acc, magnitude, a, weights);
                }
                else
                {
                    acc = Int8MultiplyAdd.UnsignedScaled(acc, q, a, weights);
                }
            }
            return Vector512.Sum(acc);
        }
        if (Int8MultiplyAdd.Is256Supported)
        {
            var acc = Vector256<int>.Zero;
            for (int pair = 0; pair < 8; pair++)
            {
                var q = Vector256.LoadUnsafe(ref quants, (nuint)(32 * pair));
                var a = Vector256.LoadUnsafe(ref q8, (nuint)(32 * pair));
                var weights = Vector256.Create(Vector128.Create(Unsafe.Add(ref scales, 2 * pair)), Vector128.Create(Unsafe.Add(ref scales, 2 * pair + 1)));
                if (signedQuants)
                {
                    var qs = q.AsSByte();
                    acc = Int8MultiplyAdd.UnsignedScaled(acc, Avx2.Abs(qs), Avx2.Sign(a, qs), weights);
                }
                else
                {
                    acc = Int8MultiplyAdd.UnsignedScaled(acc, q, a, weights);
                }
            }
            return Vector256.Sum(acc);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<int>.Zero;
            for (int g = 0; g < Groups; g++)
            {
                var raw = Vector128.LoadUnsafe(ref quants, (nuint)(GroupSize * g));
                Vector128<short> low, high;
                if (signedQuants)
                {
                    (low, high) = Vector128.Widen(raw.AsSByte());
                }
                else
                {
                    var (lowUnsigned, highUnsigned) = Vector128.Widen(raw);
                    (low, high) = (lowUnsigned.AsInt16(), highUnsigned.AsInt16());
                }
                var (a0, a1) = Vector128.Widen(Vector128.LoadUnsafe(ref q8, (nuint)(GroupSize * g)));
                // |quant·q8| ≤ 128·127 fits 16 bits; the four widened halves then add up in 32 bits.
                var (p0, p1) = Vector128.Widen(low * a0);
                var (p2, p3) = Vector128.Widen(high * a1);
                acc += (p0 + p1 + p2 + p3) * Vector128.Create((int)Unsafe.Add(ref scales, g));
            }
            return Vector128.Sum(acc);
        }
        return Scalar(ref quants, ref q8, ref scales, signedQuants);
    }

    private static int Scalar(ref byte quants, ref sbyte q8, ref short scales, bool signedQuants)
    {
        int total = 0;
        for (int g = 0; g < Groups; g++)
        {
            int group = 0;
            for (int e = GroupSize * g; e < GroupSize * g + GroupSize; e++)
            {
                int quant = signedQuants ? (sbyte)Unsafe.Add(ref quants, e) : Unsafe.Add(ref quants, e);
                group += quant * Unsafe.Add(ref q8, e);
            }
            total += Unsafe.Add(ref scales, g) * group;
        }
        return total;
    }
}
