using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// What the kit's own GGUF reader (<c>corpus/tools/gguf_info.py</c>, stdlib Python) says about a
/// file: a second, independent reading to check `toasted info` against. Metadata values are kept
/// as it prints them (strings in Python quotes).
/// </summary>
public sealed partial record KitHeaderReader(
    long Size, int Version, int TensorCount, long Parameters, int VocabularySize,
    IReadOnlyDictionary<string, int> TensorTypes, IReadOnlyDictionary<string, string> Metadata)
{
    [GeneratedRegex(@"^gguf version: (\d+)\s+n_kv: \d+\s+n_tensors: (\d+)$")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"'(\w+)': (\d+)")]
    private static partial Regex TypeCount();

    public static KitHeaderReader Read(string path)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(SharedKit.Require("corpus/tools/gguf_info.py"));
        psi.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("python3 is needed to read GGUF headers with the kit's reader");
            throw;
        }
        var errors = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n');
        process.WaitForExit();
        if (process.ExitCode != 0) Assert.Fail($"gguf_info.py {path} failed: {errors.Result}");

        long size = 0, parameters = 0;
        int version = 0, tensors = 0, vocabulary = 0;
        var types = new Dictionary<string, int>();
        var metadata = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            if (line.StartsWith("size: ", StringComparison.Ordinal)) size = long.Parse(line[6..], CultureInfo.InvariantCulture);
            else if (line.StartsWith("n_params: ", StringComparison.Ordinal)) parameters = long.Parse(line[10..], CultureInfo.InvariantCulture);
            else if (VersionLine().Match(line) is { Success: true } header)
            {
                version = int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture);
                tensors = int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("tensor types: ", StringComparison.Ordinal))
            {
                foreach (Match m in TypeCount().Matches(line)) types[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("  tokenizer.ggml.tokens: ", StringComparison.Ordinal))
            {
                vocabulary = int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("  ", StringComparison.Ordinal) && line.Contains(" = ", StringComparison.Ordinal))
            {
                var split = line.IndexOf(" = ", StringComparison.Ordinal);
                metadata[line[2..split]] = line[(split + 3)..];
            }
        }
        return new KitHeaderReader(size, version, tensors, parameters, vocabulary, types, metadata);
    }
}
