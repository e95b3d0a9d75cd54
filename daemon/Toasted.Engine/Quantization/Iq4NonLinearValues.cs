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
    /// each nibble's pair sums add up as shorts as far as plain 4-bit codes' do. This is H for each code, repeated in
    /// every 128-bit lane (for <c>vpshufb</c>; four times for <see cref="Lookup"/>'s <c>vpermb</c>). Written out as
    /// constants, so that a kernel that asks for the table inside its loop gets one constant load rather than the
    /// arithmetic that derives it from <see cref="Levels"/> (a test checks 16 · H + L − 128 against every level).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> HighNibbles512() =>
        Vector512.Create(HighNibbles0To7, HighNibbles8To15, HighNibbles0To7, HighNibbles8To15, HighNibbles0To7, HighNibbles8To15, HighNibbles0To7, HighNibbles8To15).AsByte();

    /// <summary>L = level &amp; 15 for each code (<see cref="HighNibbles512"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> LowNibbles512() =>
        Vector512.Create(LowNibbles0To7, LowNibbles8To15, LowNibbles0To7, LowNibbles8To15, LowNibbles0To7, LowNibbles8To15, LowNibbles0To7, LowNibbles8To15).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> HighNibbles256() => Vector256.Create(HighNibbles0To7, HighNibbles8To15, HighNibbles0To7, HighNibbles8To15).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> LowNibbles256() => Vector256.Create(LowNibbles0To7, LowNibbles8To15, LowNibbles0To7, LowNibbles8To15).AsByte();

    /// <summary>H of codes 0–7 and 8–15, byte k of each word being code k's: 0 … 7, then 8, 8, 9, 10, 11, 12, 13, 15.</summary>
    internal const ulong HighNibbles0To7 = 0x0706050403020100UL, HighNibbles8To15 = 0x0F0D0C0B0A090808UL;

    /// <summary>L of codes 0–7 and 8–15: 1, 8, 13, 15, 15, 13, 10, 6, then 1, 13, 9, 6, 5, 5, 9, 1.</summary>
    internal const ulong LowNibbles0To7 = 0x060A0D0F0F0D0801UL, LowNibbles8To15 = 0x0109050506090D01UL;

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
