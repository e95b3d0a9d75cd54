using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>Seeded random weight blocks and activation rows for the kernel tests, including extreme patterns.</summary>
public static class RandomRows
{
    public enum Pattern { Random, AllMinimum, AllMaximum, HugeScales }

    public static float[] Gaussian(Random rng, int n, float sigma = 1f)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            x[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        // Blocks of very different magnitudes and a few outliers, as real activations have.
        for (int i = 0; i < n; i += 32)
        {
            float blockScale = (float)Math.Pow(10, rng.NextDouble() * 4 - 2);
            for (int j = i; j < Math.Min(n, i + 32); j++) x[j] *= blockScale;
        }
        if (n > 0) x[rng.Next(n)] *= 50;
        return x;
    }

    public static ushort HalfBits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>A weight row of <paramref name="blocks"/> blocks of <paramref name="type"/>.</summary>
    public static byte[] WeightRow(GgmlType type, int blocks, Random rng, Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var row = new byte[blocks * traits.BytesPerBlock];
        if (traits.BlockSize == 1)
        {
            var values = Gaussian(rng, blocks);
            var span = row.AsSpan();
            for (int i = 0; i < blocks; i++)
            {
                switch (type)
                {
                    case GgmlType.F32: BitConverter.TryWriteBytes(span[(4 * i)..], values[i]); break;
                    case GgmlType.F16: BitConverter.TryWriteBytes(span[(2 * i)..], HalfBits(values[i])); break;
                    default: BitConverter.TryWriteBytes(span[(2 * i)..], (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16)); break;
                }
            }
            return row;
        }
        rng.NextBytes(row);
        byte fill = pattern == Pattern.AllMinimum ? (byte)0x00 : (byte)0xFF;
        for (int b = 0; b < blocks; b++)
        {
            var block = row.AsSpan(b * traits.BytesPerBlock, traits.BytesPerBlock);
            if (pattern is Pattern.AllMinimum or Pattern.AllMaximum)
            {
                block.Fill(fill);
                if (type == GgmlType.Q8_0) block[2..].Fill(pattern == Pattern.AllMinimum ? (byte)0x80 : (byte)0x7F);
            }
            float scaleMagnitude = pattern == Pattern.HugeScales ? 65000f : 0.05f;
            ushort Scale() => HalfBits((float)((rng.NextDouble() * 2 - 1) * scaleMagnitude));
            switch (type)
            {
                case GgmlType.Q8_0:
                case GgmlType.Q4_0:
                    BitConverter.TryWriteBytes(block, Scale());
                    break;
                case GgmlType.Q4_K:
                    BitConverter.TryWriteBytes(block, Scale());
                    BitConverter.TryWriteBytes(block[2..], Scale());
                    break;
                case GgmlType.Q6_K:
                    BitConverter.TryWriteBytes(block[208..], Scale());
                    break;
                case GgmlType.Q2_K:
                    BitConverter.TryWriteBytes(block[80..], Scale());
                    BitConverter.TryWriteBytes(block[82..], Scale());
                    break;
                case GgmlType.Q3_K:
                    BitConverter.TryWriteBytes(block[108..], Scale());
                    break;
                case GgmlType.Q5_K:
                    BitConverter.TryWriteBytes(block, Scale());
                    BitConverter.TryWriteBytes(block[2..], Scale());
                    break;
                case GgmlType.IQ4_XS:
                    BitConverter.TryWriteBytes(block, Scale());
                    break;
                case GgmlType.Q5_0:
                case GgmlType.IQ4_NL:
                    BitConverter.TryWriteBytes(block, Scale());
                    break;
                case GgmlType.Q4_1:
                case GgmlType.Q5_1:
                    BitConverter.TryWriteBytes(block, Scale());
                    BitConverter.TryWriteBytes(block[2..], Scale());
                    break;
            }
        }
        return row;
    }

    /// <summary>Float activations that hit the largest quants: every element ±amax.</summary>
    public static float[] Saturating(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rng.Next(2) == 0 ? 3.5f : -3.5f;
        return x;
    }
}
