using Toasted.Engine.Benchmarking;
using Toasted.Engine.Compute;
using Toasted.Engine.Inference;

namespace Toasted.Daemon.Benchmarking;

/// <summary>`toasted bench`: every model × thread count × test, in llama-bench's order.</summary>
public static class BenchCommand
{
    public static int Run(BenchOptions options, TextWriter output, TextWriter errors)
    {
        var report = new BenchReport(output, options.Output);
        foreach (var path in options.Models)
        {
            foreach (var threads in options.Threads)
            {
                using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = threads });
                var profile = options.Profile ? new OperationProfile() : null;
                model.Profile = profile;
                var size = new FileInfo(path).Length;
                var benchmark = new ThroughputBenchmark(model);
                foreach (var test in Tests(options))
                {
                    profile?.Clear();
                    report.Add(model.Description, size, benchmark.Run(test, options.Repetitions));
                    if (profile is not null)
                    {
                        errors.WriteLine($"profile of {test.Name}, {threads} threads (warm-up, depth fill and repetitions):");
                        foreach (var line in profile.Summary()) errors.WriteLine("  " + line);
                    }
                }
            }
        }
        report.Complete();
        return 0;
    }

    private static IEnumerable<ThroughputTest> Tests(BenchOptions options)
    {
        foreach (var depth in options.Depths)
        {
            foreach (var prompt in options.PromptSizes.Where(p => p > 0)) yield return new ThroughputTest(prompt, 0, depth);
            foreach (var generate in options.GenerationLengths.Where(n => n > 0)) yield return new ThroughputTest(0, generate, depth);
        }
    }
}
