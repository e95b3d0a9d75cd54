using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Lifecycle;

/// <summary>What the daemon's configuration was resolved from — its flags and environment — and the
/// result, so SIGHUP can resolve it again the same way and compare.</summary>
public sealed record ConfigurationReloadSource(SettingArguments Arguments, Func<string, string?> Environment, ResolvedConfiguration Initial);
