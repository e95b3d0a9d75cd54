using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Toasted.Daemon.Admin;
using Toasted.Daemon.Admission;
using Toasted.Daemon.Handling;
using Toasted.Daemon.Inference;
using Toasted.Daemon.Lifecycle;
using Toasted.Daemon.Transport;

namespace Toasted.Daemon.Hosting;

/// <summary>Wires the daemon: the admin socket, then the model, then the listener, so nothing is
/// accepted before the model is warm while watchers can follow the loading. Logs go to stderr, one
/// line each, with the request id as scope.</summary>
public static class DaemonHost
{
    public static IHost Build(DaemonSettings settings, ConfigurationReloadSource? reloadSource = null)
    {
        // No default sources: configuration comes only from what SettingsResolver read (config file,
        // TOASTED_* variables, flags), never from an appsettings.json that happens to lie in the working directory.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        builder.Logging.ClearProviders();
        // The level is read per line from a switch, so a SIGHUP reload can change it.
        var logLevel = new LogLevelSwitch(settings.LogLevel);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFilter((_, _, level) => logLevel.Allows(level));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(15));

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new InferenceQueue(settings.QueueCapacity));
        builder.Services.AddSingleton(logLevel);
        // SIGHUP is handled from the start, also while the model loads.
        if (reloadSource is not null)
        {
            builder.Services.AddSingleton(reloadSource);
            builder.Services.AddHostedService<ConfigurationReloader>();
        }
        // The admin socket starts first, so it is up while the model loads, and stops last.
        builder.Services.AddSingleton<ActivityFeed>();
        builder.Services.AddSingleton<DaemonLifecycle>();
        builder.Services.AddSingleton<RequestActivity>();
        builder.Services.AddSingleton<QueueActivity>();
        builder.Services.AddSingleton<SnapshotBuilder>();
        builder.Services.AddHostedService<AdminSocketListener>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());
        builder.Services.AddSingleton<StatusHandler>();
        builder.Services.AddSingleton<TokenizeHandler>();
        builder.Services.AddSingleton<GenerateHandler>();
        builder.Services.AddSingleton<RequestDispatcher>();
        builder.Services.AddSingleton<IRequestHandler>(services =>
            new RequestLogging(services.GetRequiredService<RequestDispatcher>(), services.GetRequiredService<ILogger<RequestLogging>>()));
        builder.Services.AddHostedService<UnixSocketListener>();
        return builder.Build();
    }
}
