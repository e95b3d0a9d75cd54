using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Admission;
using Toasted.Daemon.Configuration;
using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Lifecycle;

/// <summary>
/// SIGHUP reloads the configuration: the file, variables and flags are resolved again as at start;
/// settings the schema marks <see cref="SettingReload.Live"/> take effect at once, the others are
/// logged as waiting for a restart. A configuration that does not resolve is logged and the running
/// one kept, so a typo in the file never stops a serving daemon.
/// </summary>
public sealed partial class ConfigurationReloader(
    ConfigurationReloadSource source,
    LogLevelSwitch logLevel,
    InferenceQueue queue,
    ILogger<ConfigurationReloader> logger) : IHostedService, IDisposable
{
    private readonly object _gate = new();
    private ResolvedConfiguration _running = source.Initial;
    private PosixSignalRegistration? _hangup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // SIGHUP would end the process by default; here it only means "read the configuration again".
            context.Cancel = true;
            Reload();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Resolves the configuration again and applies what can change while serving.</summary>
    public void Reload()
    {
        lock (_gate)
        {
            ResolvedConfiguration next;
            try
            {
                next = SettingsResolver.Resolve(source.Arguments, source.Environment, OperatingSystem.IsMacOS());
                DaemonSettings.From(next);
            }
            catch (Exception exception) when (exception is UsageException or ConfigurationFileException or IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(exception.Message);
                return;
            }

            var applied = new List<string>();
            var waiting = new List<string>();
            var running = new List<ResolvedSetting>();
            foreach (var setting in next.Settings)
            {
                var current = _running[setting.Definition];
                if (current.Value == setting.Value)
                {
                    running.Add(current);
                    continue;
                }
                var change = $"{setting.Definition.Key} {current.Value ?? "(not set)"} -> {setting.Value ?? "(not set)"}";
                if (setting.Definition.Reload == SettingReload.Live)
                {
                    Apply(setting);
                    applied.Add(change);
                    running.Add(setting);
                }
                else
                {
                    // The running value stays what it is, so every later reload still reports the pending change.
                    waiting.Add(change);
                    running.Add(current);
                }
            }
            _running = new ResolvedConfiguration(running, next.File);

            if (applied.Count == 0 && waiting.Count == 0) LogUnchanged(next.File.Path);
            if (applied.Count > 0) LogApplied(next.File.Path, string.Join(", ", applied));
            if (waiting.Count > 0) LogNeedsRestart(string.Join(", ", waiting));
        }
    }

    private void Apply(ResolvedSetting setting)
    {
        if (setting.Definition == SettingsSchema.LogLevel)
            logLevel.Level = Enum.Parse<LogLevel>(setting.Value!, ignoreCase: true);
        else if (setting.Definition == SettingsSchema.QueueDepth)
            queue.SetCapacity((int)setting.IntegerValue);
    }

    public void Dispose() => _hangup?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "configuration reload failed, keeping the running configuration: {Reason}")]
    private partial void LogReloadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "configuration reloaded from {File}: nothing changed")]
    private partial void LogUnchanged(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "configuration reloaded from {File}: applied {Changes}")]
    private partial void LogApplied(string file, string changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "configuration reloaded: needs a restart to apply: {Changes}")]
    private partial void LogNeedsRestart(string changes);
}
