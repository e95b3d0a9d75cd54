using System.Runtime.Intrinsics;

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
}
