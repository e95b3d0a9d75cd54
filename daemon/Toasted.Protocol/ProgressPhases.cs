namespace Toasted.Protocol;

/// <summary>Values of <c>progress.phase</c>.</summary>
public static class ProgressPhases
{
    /// <summary>The prompt is being read into the model's cache, one batch at a time.</summary>
    public const string Prefill = "prefill";
}
