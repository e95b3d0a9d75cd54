using System.Globalization;
using System.Text.Json;
using Toasted.Engine.Benchmarking;
using Toasted.Engine.Inference;

namespace Toasted.Daemon.Benchmarking;

/// <summary>Writes bench results in llama-bench's formats: its markdown table, or JSON rows with its field names.</summary>
public sealed class BenchReport(TextWriter output, BenchOutput format)
{
    private readonly List<(ModelDescription Model, long SizeBytes, ThroughputResult Result)> _rows = new();
    private bool _headerWritten;

    public void Add(ModelDescription model, long sizeBytes, ThroughputResult result)
    {
        _rows.Add((model, sizeBytes, result));
        switch (format)
        {
            case BenchOutput.Markdown:
                WriteMarkdownRow(model, sizeBytes, result);
                break;
            case BenchOutput.JsonLines:
                output.WriteLine(JsonRow(model, sizeBytes, result));
                break;
        }
        output.Flush();
    }

    /// <summary>Ends the report: the JSON array is written whole once all rows are known.</summary>
    public void Complete()
    {
        if (format == BenchOutput.Json)
            output.WriteLine("[\n" + string.Join(",\n", _rows.Select(r => "  " + JsonRow(r.Model, r.SizeBytes, r.Result))) + "\n]");
        output.Flush();
    }

    private void WriteMarkdownRow(ModelDescription model, long sizeBytes, ThroughputResult result)
    {
        if (!_headerWritten)
        {
            output.WriteLine("| model                          |       size |     params | backend    | threads |            test |                  t/s |");
            output.WriteLine("| ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: | -------------------: |");
            _headerWritten = true;
        }
        var name = $"{model.Architecture} {Path.GetFileNameWithoutExtension(model.Path)}";
        if (name.Length > 30) name = name[..30];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name,-30} | {sizeBytes / 1048576.0,6:F2} MiB | {model.ParameterCount / 1e9,8:F2} B | {"CPU",-10} | {result.Threads,7} | {result.Test.Name,15} | {result.AverageTokensPerSecond,11:F2} ± {result.StandardDeviationTokensPerSecond,6:F2} |"));
    }

    private static string JsonRow(ModelDescription model, long sizeBytes, ThroughputResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model_filename", model.Path);
            json.WriteString("model_type", $"{model.Architecture} {Path.GetFileNameWithoutExtension(model.Path)}");
            json.WriteNumber("model_size", sizeBytes);
            json.WriteNumber("model_n_params", model.ParameterCount);
            json.WriteString("backends", "CPU");
            json.WriteNumber("n_batch", InferenceSession.MaxBatch);
            json.WriteNumber("n_ubatch", InferenceSession.MaxBatch);
            json.WriteNumber("n_threads", result.Threads);
            json.WriteString("type_k", "f16");
            json.WriteString("type_v", "f16");
            json.WriteNumber("n_prompt", result.Test.Prompt);
            json.WriteNumber("n_gen", result.Test.Generate);
            json.WriteNumber("n_depth", result.Test.Depth);
            json.WriteString("test_time", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteNumber("avg_ns", (long)result.AverageNanoseconds);
            json.WriteNumber("stddev_ns", (long)result.StandardDeviationNanoseconds);
            json.WriteNumber("avg_ts", result.AverageTokensPerSecond);
            json.WriteNumber("stddev_ts", result.StandardDeviationTokensPerSecond);
            json.WriteStartArray("samples_ns");
            foreach (var ns in result.SamplesNanoseconds) json.WriteNumberValue((long)ns);
            json.WriteEndArray();
            json.WriteStartArray("samples_ts");
            foreach (var ts in result.SamplesTokensPerSecond) json.WriteNumberValue(ts);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
