// TEMPORARY (not committed): F32/F16-only stand-in for the quant traits table until it lands.
using System.Runtime.InteropServices;
namespace Toasted.Engine.Quantization;
public delegate void DequantizeRow(ReadOnlySpan<byte> blocks, Span<float> destination);
public delegate void QuantizeRow(ReadOnlySpan<float> source, Span<byte> blocks);
public delegate float VecDot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);
public sealed class QuantTraits {
  public GgmlType Type; public int BlockSize; public int BytesPerBlock; public GgmlType ActivationType;
  public DequantizeRow Dequantize = null!; public VecDot Dot = null!; public DequantizeRow DequantizeScalar = null!; public VecDot DotScalar = null!;
  public long RowBytes(long n) => n / BlockSize * BytesPerBlock;
}
public static class QuantTraitsTable {
  static readonly QuantTraits F32 = new() { Type = GgmlType.F32, BlockSize = 1, BytesPerBlock = 4, ActivationType = GgmlType.F32,
     Dequantize = (s, d) => MemoryMarshal.Cast<byte, float>(s).CopyTo(d),
     Dot = (w, a, n) => { var x = MemoryMarshal.Cast<byte, float>(w); var y = MemoryMarshal.Cast<byte, float>(a); float s = 0; for (int i = 0; i < n; i++) s += x[i] * y[i]; return s; } };
  static readonly QuantTraits F16 = new() { Type = GgmlType.F16, BlockSize = 1, BytesPerBlock = 2, ActivationType = GgmlType.F16,
     Dequantize = (s, d) => { var h = MemoryMarshal.Cast<byte, Half>(s); for (int i = 0; i < d.Length; i++) d[i] = (float)h[i]; },
     Dot = (w, a, n) => { var x = MemoryMarshal.Cast<byte, Half>(w); var y = MemoryMarshal.Cast<byte, Half>(a); float s = 0; for (int i = 0; i < n; i++) s += (float)x[i] * (float)y[i]; return s; } };
  public static QuantTraits Get(GgmlType t) => t switch { GgmlType.F32 => F32, GgmlType.F16 => F16, _ => throw new NotSupportedException(t.ToString()) };
  public static bool IsSupported(GgmlType t) => t is GgmlType.F32 or GgmlType.F16;
}
public static class ActivationQuantizer {
  public static int RowBytes(GgmlType t, int n) => t == GgmlType.F32 ? n * 4 : n * 2;
  public static void Quantize(GgmlType t, ReadOnlySpan<float> x, Span<byte> d) { if (t == GgmlType.F32) MemoryMarshal.AsBytes(x).CopyTo(d); else { var h = MemoryMarshal.Cast<byte, Half>(d); for (int i = 0; i < x.Length; i++) h[i] = (Half)x[i]; } }
}
