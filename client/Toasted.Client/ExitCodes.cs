namespace Toasted.Client;

/// <summary>toast's exit codes (docs/cli.md). Scripts branch on these, so they never change meaning.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Internal = 1;
    public const int Usage = 2;
    public const int DaemonUnavailable = 3;
    public const int QueueFull = 4;
    public const int ContextOverflow = 5;
    public const int ModelError = 6;
    public const int Interrupted = 130;
    /// <summary>stdout was closed by the reader (e.g. <c>| head</c>), as a shell reports SIGPIPE.</summary>
    public const int BrokenPipe = 141;
    public const int Terminated = 143;
}
