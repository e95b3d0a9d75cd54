using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Admin;
using Toasted.Daemon.Hosting;
using Toasted.Engine.Inference;

namespace Toasted.Daemon.Inference;

/// <summary>
/// Loads the model once at start and keeps it warm, with the one generation session the inference
/// slot uses. Registered before the listener, so no connection is accepted until the model is ready.
/// </summary>
public sealed partial class ModelHost(DaemonSettings settings, DaemonLifecycle lifecycle, ILogger<ModelHost> logger) : IHostedService, IDisposable
{
    private LoadedModel? _model;
    private InferenceSession? _session;

    public LoadedModel Model => _model ?? throw new InvalidOperationException("the model is not loaded yet");

    /// <summary>The slot's session. Only the holder of the inference slot may use it.</summary>
    public InferenceSession Session => _session ?? throw new InvalidOperationException("the model is not loaded yet");

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>True once the model and the slot's session are ready.</summary>
    public bool IsLoaded => Volatile.Read(ref _session) is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(settings.ModelPath);
        if (!File.Exists(path)) throw LoadFailed(new ModelStartupException($"model file not found: {path}"));
        var stopwatch = Stopwatch.StartNew();
        try
        {
            (_model, _session) = await Task.Run(() =>
            {
                var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = settings.Threads, ContextLength = settings.ContextLength, Progress = lifecycle });
                return (model, model.CreateSession(settings.ContextLength));
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not ModelStartupException)
        {
            throw LoadFailed(new ModelStartupException($"cannot load {path}: {exception.GetType().Name}: {exception.Message}", exception));
        }
        var description = _model.Description;
        LogModelLoaded(description.Name, description.Architecture, description.ParameterCount, _session.ContextLength, path, stopwatch.ElapsedMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Tells admin watchers why the daemon is about to exit, and returns the exception to throw.</summary>
    private ModelStartupException LoadFailed(ModelStartupException exception)
    {
        lifecycle.LoadFailed(exception.Message);
        return exception;
    }

    public void Dispose()
    {
        _session?.Dispose();
        _model?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded {Name} ({Architecture}, {Parameters} parameters, context {Context}) from {Path} in {Milliseconds} ms")]
    private partial void LogModelLoaded(string name, string architecture, long parameters, int context, string path, long milliseconds);
}
