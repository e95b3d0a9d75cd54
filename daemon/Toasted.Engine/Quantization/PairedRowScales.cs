using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Signed 8-bit scales of an interleaved group's eight rows kept in pairs: byte 16p + 2r + t of the scales is scale
/// 2p + t of row r (<see cref="Q6_KInterleaved"/>'s group scales, <see cref="IQ4_XSInterleaved"/>'s sub-block scales).
/// Widened, a pair lines up with the 4-byte lanes of a row's products; one byte shuffle then copies one scale of each
/// row into both shorts of its lanes for <c>vpmaddwd</c>.
/// </summary>
internal static unsafe class PairedRowScales
{
    /// <summary>Pair <paramref name="pair"/> of the eight rows as shorts: row r's two scales at shorts 2r and 2r + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Wide(byte* scales, int pair) => Avx2.ConvertToVector256Int16((sbyte*)scales + 16 * pair);

    /// <summary>Both halves of a 512-bit vector get the pair's shorts, then <paramref name="pick"/> copies one scale per row into its lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Spread(Vector256<short> pair, Vector512<byte> pick) =>
        Avx512BW.Shuffle(VectorHalves.Repeat(pair).AsByte(), pick).AsInt16();

    /// <summary>As <see cref="Spread(Vector256{short}, Vector512{byte})"/> for the eight 4-byte lanes of a 256-bit vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Spread(Vector256<short> pair, Vector256<byte> pick) => Avx2.Shuffle(pair.AsByte(), pick).AsInt16();

    /// <summary>
    /// Byte shuffle that fills both shorts of 4-byte lane i with scale <paramref name="which"/> of row i mod 8:
    /// each 128-bit lane of a widened pair holds four rows' two scales, rows 0–3 in even 128-bit lanes and 4–7
    /// in odd ones, which is where lanes i mod 8 of those rows fall.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Pick(int which)
    {
        // Lane i takes bytes 4(i mod 4) + 2·which and the one after, twice. Built from constants, so the JIT keeps
        // the shuffle in a register rather than on the stack across the loops.
        uint pick = 0x02020202u * (uint)which;
        return Vector512.Create(Vector128.Create(0x01000100u + pick, 0x05040504u + pick, 0x09080908u + pick, 0x0D0C0D0Cu + pick)).AsByte();
    }

    /// <summary>
    /// Per row, Σ_p Σ_t scale_{2p+t} · sums[2p + t] over <paramref name="pairs"/> pairs: row r's scale pair meets the pair
    /// of shorts <paramref name="sums"/>[2p], [2p + 1] repeated in every lane, one <c>vpmaddwd</c> a pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> TimesSums(byte* scales, short* sums, int pairs)
    {
        uint* sumPairs = (uint*)sums;
        var total = Avx2.MultiplyAddAdjacent(Wide(scales, 0), Vector256.Create(sumPairs[0]).AsInt16());
        for (int pair = 1; pair < pairs; pair++)
            total += Avx2.MultiplyAddAdjacent(Wide(scales, pair), Vector256.Create(sumPairs[pair]).AsInt16());
        return total;
    }
}
