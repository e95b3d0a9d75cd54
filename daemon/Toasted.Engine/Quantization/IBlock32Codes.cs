using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// What distinguishes the 32-element weight formats that decode to one int8 code per element (Q4_1, Q5_0,
/// Q5_1, IQ4_NL): where the bytes are and how a code is read. <see cref="Block32Kernels{TCodes}"/> holds
/// the dot and dequantize loops they share; each implementer is a struct so that the loops are compiled
/// once per format with every call inlined.
/// <para>
/// Every block starts with its f16 scale d. Types with an offset (<see cref="HasMin"/>) store an f16 m at
/// byte 2, decode to d·code + m and take Q8_1 activations; the others decode to d·code and take Q8_0.
/// </para>
/// </summary>
internal interface IBlock32Codes
{
    static abstract int WeightBlockBytes { get; }

    static abstract bool HasMin { get; }

    /// <summary>The reference decoder: the 32 codes of <paramref name="block"/> in element order.</summary>
    static abstract void DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes);

    /// <summary>The code of one element, for the scalar tail of the vector kernels.</summary>
    static abstract int Code(ref byte block, int element);

    /// <summary>All 32 codes; called only when AVX2 is available.</summary>
    static abstract Vector256<sbyte> Codes256(ref byte block);

    /// <summary>Codes of elements 0..15 and 16..31, with operations every 128-bit vector unit has.</summary>
    static abstract (Vector128<sbyte> Low, Vector128<sbyte> High) Codes128(ref byte block);
}
