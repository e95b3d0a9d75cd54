using System.Globalization;
using Toasted.Protocol.Admin;

namespace Toasted.Client.Status;

/// <summary>One admin event as one line: its time, its type, then <c>key=value</c> fields, so a watch
/// log can be read by people and filtered with grep or awk.</summary>
public static class EventText
{
    public static string Format(AdminFrame frame) => frame.Time + " " + frame switch
    {
        SnapshotFrame snapshot => $"snapshot state={snapshot.State} queue={snapshot.QueueDepth} active={snapshot.ActiveRequests}",
        StateFrame state => $"state {state.State}",
        LoadingFrame loading => $"loading {loading.Phase} {loading.Done}/{loading.Total}",
        RequestStartedFrame started =>
            $"request_started id={Quoted(started.RequestId)} connection={started.Connection} pid={Optional(started.ClientPid)} uid={Optional(started.ClientUid)}"
            + $" prompt_tokens={started.PromptTokens} max_tokens={Optional(started.MaxTokens)}",
        RequestFinishedFrame finished =>
            $"request_finished id={Quoted(finished.RequestId)} connection={finished.Connection} "
            + (finished.StopReason is { } reason ? $"stop_reason={reason}" : $"error={finished.ErrorCode}")
            + $" prompt_tokens={finished.Usage.PromptTokens} completion_tokens={finished.Usage.CompletionTokens}"
            + $" prefill_ms={Milliseconds(finished.Timings.PrefillMs)} decode_ms={Milliseconds(finished.Timings.DecodeMs)}"
            + $" total_ms={Milliseconds(finished.Timings.TotalMs)} tokens_per_second={Milliseconds(finished.Timings.DecodeTokensPerSecond)}",
        QueueFrame queue => $"queue depth={queue.Depth} capacity={queue.Capacity} active={queue.ActiveRequests}",
        AdminErrorFrame error =>
            $"error code={error.Code}" + (error.RequestId is { } id ? $" id={Quoted(id)} connection={Optional(error.Connection)}" : "")
            + $" message={Quoted(error.Message)}",
        _ => frame.Type,
    };

    private static string Optional<T>(T? value) where T : struct, IFormattable =>
        value is { } present ? present.ToString(null, CultureInfo.InvariantCulture) : "-";

    private static string Milliseconds(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Bare when it is one plain word, else in double quotes with quotes and backslashes escaped.</summary>
    private static string Quoted(string text) =>
        text.Length > 0 && text.All(character => char.IsAsciiLetterOrDigit(character) || character is '-' or '_' or '.' or ':' or '/')
            ? text
            : "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
                  .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
