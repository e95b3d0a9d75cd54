namespace Toasted.Daemon.ModelInfo;

/// <summary>
/// Metadata keys only the summary reads, beside the engine's table in GgufKeys; a key moves there
/// as soon as an architecture reads it.
/// </summary>
internal static class SummaryMetadataKeys
{
    // Architecture-scoped suffixes.
    public const string ExpertCount = "expert_count";
    public const string ExpertUsedCount = "expert_used_count";
}
