using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The 16 non-uniform levels of the IQ4 types (ggml's kvalues_iq4nl): a 4-bit code selects one. The levels are
/// denser near zero, where most weights lie; all fit int8, so the integer dots stay exact.
/// </summary>
internal static class Iq4NonLinearValues
{
    public static ReadOnlySpan<sbyte> Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>The levels as a byte-shuffle table: lane k holds level k.</summary>
    public static readonly Vector128<sbyte> Table = Vector128.Create(Levels);

    /// <summary>
    /// The levels split for <c>vpmaddubsw</c>, whose first operand is unsigned: level = 16 · H + L − 128 with
    /// H = (level >> 4) + 8 and L = level &amp; 15, both 0 … 15, so Σ level · q8 = 16 · Σ H · q8 + Σ L · q8 − 128 · Σ q8 and
    /// each nibble's pair sums add up as shorts as far as plain 4-bit codes' do. This is H for each code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> HighNibbles() => ((Vector128.Create(Levels) >> 4) + Vector128.Create((sbyte)8)).AsByte();

    /// <summary>L = level &amp; 15 for each code (<see cref="HighNibbles"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> LowNibbles() => Vector128.Create(Levels).AsByte() & Vector128.Create((byte)0x0F);

    /// <summary>
    /// table[code] for every byte whose bits 0–3 hold a code (the bits above are ignored), <paramref name="table"/> being
    /// a 16-byte table repeated four times: with AVX-512 VBMI one <c>vpermb</c> (it reads six index bits, and the
    /// repeats make bits 4–5 irrelevant); else the bits above are masked off for <c>vpshufb</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Lookup(Vector512<byte> table, Vector512<byte> codes) =>
        Avx512Vbmi.IsSupported
            ? Avx512Vbmi.PermuteVar64x8(table, codes)
            : Avx512BW.Shuffle(table, codes & Vector512.Create((byte)0x0F));
}
