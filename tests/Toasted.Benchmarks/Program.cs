using Toasted.Benchmarks;

// Benchmarks and benchmark tools; see docs/benchmarks.md.
//   bandwidth [-t THREADS]     the machine's read-bandwidth ceiling in GB/s
var command = args.Length > 0 ? args[0] : "help";
int ThreadsArgument() => args.SkipWhile(a => a != "-t").Skip(1).Select(int.Parse).FirstOrDefault(Environment.ProcessorCount);
switch (command)
{
    case "bandwidth":
        var threads = ThreadsArgument();
        Console.WriteLine($"read bandwidth, {threads} threads: {ReadBandwidth.MeasureGigabytesPerSecond(threads):F1} GB/s");
        return 0;
    default:
        Console.Error.WriteLine("usage: Toasted.Benchmarks bandwidth [-t THREADS]");
        return command == "help" ? 0 : 2;
}
