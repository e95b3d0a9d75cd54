namespace Toasted.Engine.Tests.Conformance;

/// <summary>Distance between two logit matrices of the same shape.</summary>
public sealed record LogitComparison(double MaxAbs, double Rms, double MinRowCosine, int WorstRow)
{
    public static LogitComparison Compare(ReadOnlySpan<float> ours, ReadOnlySpan<float> reference, int vocab)
    {
        if (ours.Length != reference.Length) throw new ArgumentException($"{ours.Length} logits against {reference.Length}");
        double maxAbs = 0, squares = 0, minCos = 1;
        int worst = 0;
        for (int row = 0; row < ours.Length / vocab; row++)
        {
            double dot = 0, a2 = 0, b2 = 0;
            for (int i = row * vocab; i < (row + 1) * vocab; i++)
            {
                double a = ours[i], b = reference[i], d = Math.Abs(a - b);
                // A NaN compares false with everything and would otherwise pass as no difference at all.
                if (double.IsNaN(d)) d = double.PositiveInfinity;
                if (d > maxAbs) { maxAbs = d; worst = row; }
                squares += d * d;
                dot += a * b;
                a2 += a * a;
                b2 += b * b;
            }
            minCos = Math.Min(minCos, dot / Math.Sqrt(a2 * b2));
        }
        return new LogitComparison(maxAbs, Math.Sqrt(squares / ours.Length), minCos, worst);
    }

    public override string ToString() => $"max|Δ| {MaxAbs:E2} (row {WorstRow}), rms {Rms:E2}, min row cosine {MinRowCosine:F6}";
}
