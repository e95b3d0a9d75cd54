System.Console.WriteLine("benchmarks: see docs/benchmarks.md");
