using NUnit.Framework;
using Toasted.Engine.Evaluation;

namespace Toasted.Engine.Tests.Evaluation;

/// <summary>The log-softmax, the running sums and the error formula, against figures worked out by hand.</summary>
public class PerplexityArithmeticTests
{
    [Test]
    public void Negative_log_likelihood_is_the_log_softmax_of_the_target()
    {
        float[] logits = [1f, 2f, 3f, -4f];
        var expected = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3) + Math.Exp(-4)) - 2;
        Assert.That(TokenLogLikelihood.Negative(logits, 1), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Large_logits_do_not_overflow()
    {
        float[] logits = [1000f, 1000f];
        Assert.That(TokenLogLikelihood.Negative(logits, 0), Is.EqualTo(Math.Log(2)).Within(1e-9));
    }

    [Test]
    public void A_target_outside_the_vocabulary_is_an_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenLogLikelihood.Negative([0f, 1f], 2));
    }

    [Test]
    public void Perplexity_is_the_exponential_of_the_mean_and_its_error_the_standard_error_times_perplexity()
    {
        double[] values = [0.5, 1.5, 2.0, 4.0];
        var estimate = new PerplexityEstimate();
        foreach (var v in values) estimate.Add(v);

        var mean = values.Average();
        var populationVariance = values.Select(v => v * v).Average() - mean * mean;
        Assert.That(estimate.Count, Is.EqualTo(4));
        Assert.That(estimate.Perplexity, Is.EqualTo(Math.Exp(mean)).Within(1e-12));
        Assert.That(estimate.Uncertainty, Is.EqualTo(Math.Sqrt(populationVariance / 3) * Math.Exp(mean)).Within(1e-12));
    }

    [Test]
    public void Equal_values_have_no_uncertainty_to_report()
    {
        var estimate = new PerplexityEstimate();
        estimate.Add(1.25);
        estimate.Add(1.25);
        Assert.That(estimate.Uncertainty, Is.Null);
    }

    [Test]
    public void The_text_file_loses_one_trailing_newline_as_with_llama_cpp()
    {
        var path = Path.Combine(Path.GetTempPath(), $"toasted-ppl-text-{Environment.ProcessId}.txt");
        try
        {
            File.WriteAllText(path, "line one\nline two\n\n");
            Assert.That(PerplexityText.Read(path), Is.EqualTo("line one\nline two\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
