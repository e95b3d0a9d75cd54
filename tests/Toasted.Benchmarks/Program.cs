using System.Globalization;
using Toasted.Benchmarks;
using Toasted.Engine.Quantization;

// Benchmark tools; see docs/benchmarks.md.
//   bandwidth [-t THREADS]                              the machine's read-bandwidth ceiling in GB/s
//   synth SHAPE TYPE OUT.gguf                           a synthetic-weight model of a real shape
//   compare TOASTED LLAMA_BENCH [-t N] [-r N] MODEL…    both benches alternately, with ratios
//   share MODEL… [-t N] [-n TOKENS] [-d DEPTH]          decode GB/s paired with a plain read of the same bytes
//   gemm TYPE [ROWS K TOKENS]                           single-thread Gop/s of the prefill matrix kernel
//   attention [POSITIONS]                               single-thread µs of one decode attention tile (default 1088)
//   matvec [TYPE…]                                      single-thread matrix × vector GB/s per weight type
//                                                       (MATVEC_BYTES of weights, rows of MATVEC_COLUMNS, default 2048;
//                                                       MATVEC_ONLY=interleaved skips the per-row kernels)
var command = args.Length > 0 ? args[0] : "help";
var options = args.Skip(1).ToList();
int TakeOption(string flag, int fallback)
{
    var at = options.IndexOf(flag);
    if (at < 0 || at + 1 >= options.Count) return fallback;
    var value = int.Parse(options[at + 1], CultureInfo.InvariantCulture);
    options.RemoveRange(at, 2);
    return value;
}

switch (command)
{
    case "bandwidth":
        {
            var threads = TakeOption("-t", Environment.ProcessorCount);
            var rate = ReadBandwidth.MeasureGigabytesPerSecond(threads);
            Console.WriteLine($"read bandwidth, {threads} threads: {rate.Best:F1} GB/s (fastest pass; mean over a second {rate.Mean:F1} GB/s)");
            return 0;
        }
    case "synth" when options.Count == 3 && ModelShape.Known.TryGetValue(options[0], out var shape):
        SyntheticModel.Write(shape, options[1], options[2]);
        Console.WriteLine($"wrote {options[2]}: {shape.Name} {options[1]}, {new FileInfo(options[2]).Length / 1e9:F2} GB");
        return 0;
    case "gemm" when options.Count is 1 or 4:
        {
            var type = Enum.Parse<GgmlType>(options[0]);
            var (rows, k, tokens) = options.Count == 4
                ? (int.Parse(options[1], CultureInfo.InvariantCulture), int.Parse(options[2], CultureInfo.InvariantCulture), int.Parse(options[3], CultureInfo.InvariantCulture))
                : (2048, 2048, 512);
            GemmBenchmark.Run(type, rows, k, tokens, repeats: 5);
            return 0;
        }
    case "attention":
        AttentionTileBenchmark.Run(options.Count > 0 ? int.Parse(options[0], CultureInfo.InvariantCulture) : 1088);
        return 0;
    case "matvec":
        {
            GgmlType[] all = [GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16];
            foreach (var type in options.Count > 0 ? options.Select(Enum.Parse<GgmlType>) : all)
                MatVecThroughput.Run(type, columns: int.Parse(Environment.GetEnvironmentVariable("MATVEC_COLUMNS") ?? "2048"), bytes: long.TryParse(Environment.GetEnvironmentVariable("MATVEC_BYTES"), out var bytes) ? bytes : 512L << 20,
                    repetitions: Environment.GetEnvironmentVariable("MATVEC_BYTES") is null ? 7 : 200,
                    threads: int.Parse(Environment.GetEnvironmentVariable("MATVEC_THREADS") ?? "1"));
            return 0;
        }
    case "traffic" when options.Count > 0:
        foreach (var model in options)
        {
            var traffic = DecodeTraffic.Of(model);
            Console.WriteLine($"{Path.GetFileName(model)}: {traffic.WeightBytes / 1e6:F1} MB of weights per token (file {new FileInfo(model).Length / 1e6:F1} MB), " +
                $"{traffic.KvBytesPerPosition / 1e3:F1} KB of F16 KV per cached position; tg128 {traffic.BytesPerToken(0, 128) / 1e6:F1} MB, tg128 @ d1024 {traffic.BytesPerToken(1024, 128) / 1e6:F1} MB per token");
        }
        return 0;
    case "share" when options.Count > 0:
        {
            var threads = TakeOption("-t", Environment.ProcessorCount);
            var tokens = TakeOption("-n", 128);
            var depth = TakeOption("-d", 0);
            foreach (var model in options) DecodeShare.Run(model, threads, tokens, depth, Console.Out);
            return 0;
        }
    case "compare":
        {
            var threads = TakeOption("-t", Environment.ProcessorCount);
            var repetitions = TakeOption("-r", 3);
            var rounds = TakeOption("-a", 2);
            if (options.Count < 3 || rounds < 1) goto default;
            return BenchCompare.Run(options[0], options[1], options.Skip(2).ToList(), threads, repetitions, Console.Out, rounds);
        }
    default:
        Console.Error.WriteLine("usage: Toasted.Benchmarks bandwidth [-t THREADS]");
        Console.Error.WriteLine($"       Toasted.Benchmarks synth {{{string.Join('|', ModelShape.Known.Keys)}}} {{Q4_0|Q8_0|Q4_K_M|Q4_K|Q6_K|F16}} OUT.gguf");
        Console.Error.WriteLine("       Toasted.Benchmarks traffic MODEL.gguf…   (bytes a decode token reads)");
        Console.Error.WriteLine("       Toasted.Benchmarks compare TOASTED LLAMA_BENCH [-t N] [-r N] [-a ROUNDS] MODEL.gguf…   (rounds alternate the order: AB, BA, …)");
        Console.Error.WriteLine("       Toasted.Benchmarks share MODEL.gguf… [-t N] [-n TOKENS] [-d DEPTH]   (each decode token beside a plain read of its bytes)");
        Console.Error.WriteLine("       Toasted.Benchmarks gemm {Q4_0|Q4_1|Q5_0|Q5_1|IQ4_NL|Q8_0|Q2_K|Q3_K|Q4_K|Q5_K|Q6_K|IQ4_XS} [ROWS K TOKENS]");
        Console.Error.WriteLine("       Toasted.Benchmarks matvec [Q4_0|Q8_0|Q4_K|Q6_K|F16…]");
        Console.Error.WriteLine("       Toasted.Benchmarks attention [POSITIONS]   (one decode attention tile, one thread)");
        return command == "help" ? 0 : 2;
}
