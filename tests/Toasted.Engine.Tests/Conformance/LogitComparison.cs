namespace Toasted.Engine.Tests.Conformance;

/// <summary>Distance between two logit matrices of the same shape.</summary>
public sealed record LogitComparison(double MaxAbs, double Rms, double MinRowCosine, int WorstRow)
{
    /// <param name="excludedRows">Rows left out of every figure (e.g. a mixture of experts' routing flips).</param>
    public static LogitComparison Compare(ReadOnlySpan<float> ours, ReadOnlySpan<float> reference, int vocab, IReadOnlySet<int>? excludedRows = null)
    {
        if (ours.Length != reference.Length) throw new ArgumentException($"{ours.Length} logits against {reference.Length}");
        double maxAbs = 0, squares = 0, minCos = 1;
        int worst = 0, counted = 0;
        for (int row = 0; row < ours.Length / vocab; row++)
        {
            if (excludedRows?.Contains(row) == true) continue;
            counted += vocab;
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
        return new LogitComparison(maxAbs, Math.Sqrt(squares / Math.Max(counted, 1)), minCos, worst);
    }

    /// <summary>One comparison per row.</summary>
    public static LogitComparison[] PerRow(ReadOnlySpan<float> ours, ReadOnlySpan<float> reference, int vocab)
    {
        var rows = new LogitComparison[ours.Length / vocab];
        for (int row = 0; row < rows.Length; row++)
            rows[row] = Compare(ours.Slice(row * vocab, vocab), reference.Slice(row * vocab, vocab), vocab) with { WorstRow = row };
        return rows;
    }

    public override string ToString() => $"max|Δ| {MaxAbs:E2} (row {WorstRow}), rms {Rms:E2}, min row cosine {MinRowCosine:F6}";
}
