using System.Globalization;
using System.Text;
using Toasted.Protocol.Admin;

namespace Toasted.Client.Status;

/// <summary>A snapshot as aligned <c>key: value</c> lines, one fact per line, for people and for grep.</summary>
public static class SnapshotText
{
    public static string Format(SnapshotFrame snapshot)
    {
        var lines = new List<(string Key, string Value)>
        {
            ("state", snapshot.State),
        };
        if (snapshot.Loading is { } loading)
            lines.Add(("loading", $"{loading.Phase} {loading.Done}/{loading.Total}"));
        lines.Add(("model", snapshot.Model.Path));
        if (snapshot.Model.Name is { } name) lines.Add(("name", name));
        if (snapshot.Model.Architecture is { } architecture) lines.Add(("architecture", architecture));
        if (snapshot.Model.ParameterCount is { } parameters) lines.Add(("parameters", Invariant(parameters)));
        if (snapshot.Backend is { } backend) lines.Add(("backend", backend));
        if (snapshot.Threads is { } threads) lines.Add(("threads", Invariant(threads)));
        if (snapshot.ContextLength is { } context)
            lines.Add(("context", snapshot.Model.TrainedContextLength is { } trained ? $"{Invariant(context)} (trained {Invariant(trained)})" : Invariant(context)));
        lines.Add(("queue", $"{Invariant(snapshot.QueueDepth)} waiting (capacity {Invariant(snapshot.QueueCapacity)})"));
        lines.Add(("active", $"{Invariant(snapshot.ActiveRequests)} generating"));
        lines.Add(("memory", $"{Mebibytes(snapshot.RssBytes)} MiB resident"));
        lines.Add(("uptime", Duration(snapshot.UptimeMs)));
        lines.Add(("version", $"{snapshot.Version} (wire protocol {Invariant(snapshot.WireVersion)})"));
        lines.Add(("pid", Invariant(snapshot.Pid)));
        lines.Add(("socket", snapshot.Socket));

        var width = lines.Max(line => line.Key.Length) + 1;
        var text = new StringBuilder();
        foreach (var (key, value) in lines)
            text.Append((key + ":").PadRight(width + 1)).Append(value).Append('\n');
        return text.ToString();
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture);

    private static string Duration(long milliseconds)
    {
        var span = TimeSpan.FromMilliseconds(milliseconds);
        if (span.TotalMinutes < 1) return span.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";
        if (span.TotalHours < 1) return $"{span.Minutes} min {span.Seconds} s";
        return $"{(int)span.TotalHours} h {span.Minutes} min";
    }
}
