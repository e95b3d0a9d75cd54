using Toasted.Benchmarks;

// Benchmarks and benchmark tools; see docs/benchmarks.md.
//   bandwidth [-t THREADS]               the machine's read-bandwidth ceiling in GB/s
//   synth SHAPE TYPE OUT.gguf            a synthetic-weight model of a real shape
//   matvec [TYPE…]                       single-thread matrix × vector GB/s per weight type
var command = args.Length > 0 ? args[0] : "help";
int ThreadsArgument() => args.SkipWhile(a => a != "-t").Skip(1).Select(int.Parse).FirstOrDefault(Environment.ProcessorCount);
switch (command)
{
    case "bandwidth":
        var threads = ThreadsArgument();
        Console.WriteLine($"read bandwidth, {threads} threads: {ReadBandwidth.MeasureGigabytesPerSecond(threads):F1} GB/s");
        return 0;
    case "synth" when args.Length == 4 && ModelShape.Known.TryGetValue(args[1], out var shape):
        SyntheticModel.Write(shape, args[2], args[3]);
        Console.WriteLine($"wrote {args[3]}: {shape.Name} {args[2]}, {new FileInfo(args[3]).Length / 1e9:F2} GB");
        return 0;
    case "matvec":
        foreach (var type in args.Length > 1 ? args.Skip(1).Select(Enum.Parse<Toasted.Engine.Quantization.GgmlType>) : [Toasted.Engine.Quantization.GgmlType.Q4_0, Toasted.Engine.Quantization.GgmlType.Q8_0, Toasted.Engine.Quantization.GgmlType.Q4_K, Toasted.Engine.Quantization.GgmlType.Q6_K, Toasted.Engine.Quantization.GgmlType.F16])
            MatVecThroughput.Run(type);
        return 0;
    case "quick-bench" when args.Length >= 2:
        {
            using var model = Toasted.Engine.Inference.LoadedModel.Load(args[1], new() { Threads = ThreadsArgument() });
            var bench = new Toasted.Engine.Benchmarking.ThroughputBenchmark(model);
            foreach (var test in new[] { new Toasted.Engine.Benchmarking.ThroughputTest(0, 32, 0), new Toasted.Engine.Benchmarking.ThroughputTest(128, 0, 0) })
            {
                var r = bench.Run(test, 2);
                Console.WriteLine($"{test.Name}: {r.AverageTokensPerSecond:F2} ± {r.StandardDeviationTokensPerSecond:F2} t/s");
            }
            return 0;
        }
    default:
        Console.Error.WriteLine("usage: Toasted.Benchmarks bandwidth [-t THREADS]");
        Console.Error.WriteLine($"       Toasted.Benchmarks synth {{{string.Join('|', ModelShape.Known.Keys)}}} {{Q4_0|Q8_0|Q4_K_M|Q4_K|Q6_K|F16}} OUT.gguf");
        return command == "help" ? 0 : 2;
}
