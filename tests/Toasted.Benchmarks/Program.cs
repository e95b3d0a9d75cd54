using Toasted.Benchmarks;

// Benchmarks and benchmark tools; see docs/benchmarks.md.
//   bandwidth [-t THREADS]               the machine's read-bandwidth ceiling in GB/s
//   synth SHAPE TYPE OUT.gguf            a synthetic-weight model of a real shape
//   gemm TYPE [ROWS K TOKENS]            single-thread Gop/s of the prefill matrix kernel
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
    case "gemm" when args.Length is 2 or 5:
        {
            var type = Enum.Parse<Toasted.Engine.Quantization.GgmlType>(args[1]);
            var (rows, k, tokens) = args.Length == 5 ? (int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4])) : (2048, 2048, 512);
            GemmBenchmark.Run(type, rows, k, tokens, repeats: 5);
            return 0;
        }
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
        Console.Error.WriteLine("       Toasted.Benchmarks gemm {Q4_0|Q8_0|Q4_K|Q6_K|F16} [ROWS K TOKENS]");
        Console.Error.WriteLine($"       Toasted.Benchmarks synth {{{string.Join('|', ModelShape.Known.Keys)}}} {{Q4_0|Q8_0|Q4_K_M|Q4_K|Q6_K|F16}} OUT.gguf");
        return command == "help" ? 0 : 2;
}
