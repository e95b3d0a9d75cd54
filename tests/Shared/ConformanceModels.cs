using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using NUnit.Framework;

namespace Toasted.Tests.Shared;

/// <summary>
/// The synthetic conformance models of the kit. Shipped files are used where they lie; the F32
/// masters are not shipped, so they are regenerated (deterministically, in about a second each) with
/// the kit's own generator into a cache folder and checked against the manifest's sha256.
/// </summary>
public static class ConformanceModels
{
    private static readonly object GenerateLock = new();

    public static string CacheDirectory =>
        Path.Combine(Path.GetTempPath(), $"toasted-conformance-{Environment.UserName}");

    /// <summary>Path of <c>conf-&lt;arch&gt;-&lt;type&gt;.gguf</c>, generating it when the kit does not ship it.</summary>
    public static string PathOf(string modelFile)
    {
        var shipped = Path.Combine(SharedKit.Require("corpus/conformance/models"), modelFile);
        if (File.Exists(shipped)) return shipped;

        var entry = ManifestEntry(modelFile);
        var command = entry.GetProperty("produced_by").GetString()!;
        var expectedSha = entry.GetProperty("sha256").GetString()!;
        var cached = Path.Combine(CacheDirectory, modelFile);
        lock (GenerateLock)
        {
            if (File.Exists(cached) && Sha256(cached) == expectedSha) return cached;
            Directory.CreateDirectory(CacheDirectory);
            Regenerate(command, cached);
            var actual = Sha256(cached);
            if (actual != expectedSha)
                Assert.Fail($"regenerated {modelFile} has sha256 {actual}, manifest says {expectedSha}");
            return cached;
        }
    }

    private static void Regenerate(string command, string outputPath)
    {
        // The manifest's command is "python3 tools/make_conf_gguf.py … --out <file>", run from corpus/.
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (args[0] != "python3") Assert.Fail($"unexpected generator command: {command}");
        var outIndex = args.IndexOf("--out");
        var temp = outputPath + $".{Environment.ProcessId}.tmp";
        args[outIndex + 1] = temp;
        var psi = new ProcessStartInfo("python3")
        {
            WorkingDirectory = SharedKit.Require("corpus"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("python3 is needed to regenerate the F32 conformance models");
            throw;
        }
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            Assert.Fail($"{command} failed: {stderr.Result}");
        File.Move(temp, outputPath, overwrite: true);
    }

    private static JsonElement ManifestEntry(string modelFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedKit.Require("corpus/conformance/models/MANIFEST.json")));
        foreach (var m in doc.RootElement.GetProperty("models").EnumerateArray())
        {
            if (m.GetProperty("file").GetString() == modelFile) return m.Clone();
        }
        throw new FileNotFoundException($"{modelFile} is not in the conformance manifest");
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
