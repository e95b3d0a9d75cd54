using Toasted.Protocol;

namespace Toasted.Daemon.Configuration;

/// <summary>Every setting toasted reads, in one table: docs/config.md describes the same list, and
/// <c>toasted config</c> prints it in this order.</summary>
public static class SettingsSchema
{
    public static readonly SettingDefinition Model = new()
    {
        Key = "model",
        Type = SettingType.Text,
        Description = "the GGUF file to load, or `auto` to discover one",
        EnvironmentVariable = "TOASTED_MODEL",
        Flag = "--model",
        ShortFlag = "-m",
        Reload = SettingReload.ModelReload,
    };

    public static readonly SettingDefinition FallbackModel = new()
    {
        Key = "fallback_model",
        Type = SettingType.Text,
        Description = "with model `auto`: the file to use when discovery finds none",
        EnvironmentVariable = "TOASTED_FALLBACK_MODEL",
        Flag = "--fallback-model",
        Reload = SettingReload.ModelReload,
    };

    public static readonly SettingDefinition Socket = new()
    {
        Key = "socket",
        Type = SettingType.Text,
        Description = "the Unix socket to listen on",
        EnvironmentVariable = SocketLocation.EnvironmentVariable,
        Flag = "--socket",
        ComputedDefault = SocketLocation.DefaultPath,
        Reload = SettingReload.Restart,
    };

    public static readonly SettingDefinition Threads = new()
    {
        Key = "threads",
        Type = SettingType.Integer,
        Description = "compute threads; 0 is one per core",
        EnvironmentVariable = "TOASTED_THREADS",
        Flag = "--threads",
        Default = "0",
        Minimum = 0,
        Maximum = 4096,
        Reload = SettingReload.ModelReload,
    };

    public static readonly SettingDefinition Context = new()
    {
        Key = "context",
        Type = SettingType.Integer,
        Description = "context length of each generation in tokens; 0 is the model's own, at most 4096",
        EnvironmentVariable = "TOASTED_CONTEXT",
        Flag = "--context",
        Default = "0",
        Minimum = 0,
        Maximum = 1 << 20,
        Reload = SettingReload.ModelReload,
    };

    public static readonly SettingDefinition QueueDepth = new()
    {
        Key = "queue.depth",
        Type = SettingType.Integer,
        Description = "generate requests that may wait for an inference slot; more get queue_full",
        EnvironmentVariable = "TOASTED_QUEUE_DEPTH",
        Flag = "--queue",
        Default = "64",
        Minimum = 1,
        Maximum = 65536,
        Reload = SettingReload.Live,
    };

    public static readonly SettingDefinition QueueSlots = new()
    {
        Key = "queue.slots",
        Type = SettingType.Integer,
        Description = "generations that run at once",
        EnvironmentVariable = "TOASTED_QUEUE_SLOTS",
        Flag = "--slots",
        Default = "1",
        Minimum = 1,
        Maximum = 1,
        RangeReason = "the engine runs one generation at a time for now",
        Reload = SettingReload.Restart,
    };

    public static readonly SettingDefinition QueueWriteTimeout = new()
    {
        Key = "queue.write_timeout_ms",
        Type = SettingType.Integer,
        Description = "milliseconds a client may leave a response frame unread before it is cut off; 0 waits forever",
        EnvironmentVariable = "TOASTED_QUEUE_WRITE_TIMEOUT_MS",
        Flag = "--write-timeout-ms",
        Default = "30000",
        Minimum = 0,
        Maximum = 3_600_000,
        Reload = SettingReload.Restart,
    };

    public static readonly SettingDefinition LogLevel = new()
    {
        Key = "log.level",
        Type = SettingType.Choice,
        Description = "the least important log lines written to stderr",
        EnvironmentVariable = "TOASTED_LOG_LEVEL",
        Flag = "--log-level",
        Default = "information",
        Choices = ["trace", "debug", "information", "warning", "error", "critical", "none"],
        Reload = SettingReload.Live,
    };

    public static readonly SettingDefinition LogFile = new()
    {
        Key = "log.file",
        Type = SettingType.Text,
        Description = "a file the log lines are appended to instead of stderr",
        EnvironmentVariable = "TOASTED_LOG_FILE",
        Flag = "--log-file",
        Reload = SettingReload.Restart,
    };

    /// <summary>Top-level keys first, then each table's, as a TOML file must order them.</summary>
    public static readonly IReadOnlyList<SettingDefinition> All =
        [Model, FallbackModel, Socket, Threads, Context, QueueDepth, QueueSlots, QueueWriteTimeout, LogLevel, LogFile];

    /// <summary>The variable that names the config file; not a setting itself.</summary>
    public const string ConfigFileEnvironmentVariable = "TOASTED_CONFIG";

    public const string ConfigFileFlag = "--config";

    public static SettingDefinition? FindByKey(string key) => All.FirstOrDefault(setting => setting.Key == key);

    public static SettingDefinition? FindByFlag(string flag) => All.FirstOrDefault(setting => setting.Flag == flag || setting.ShortFlag == flag);

    /// <summary>True for a table that holds settings (<c>queue</c>, <c>log</c>).</summary>
    public static bool IsTable(string key) => All.Any(setting => setting.Table == key);
}
