using System.Diagnostics;
using System.Text;

namespace Toasted.Tests.Shared;

/// <summary>What a finished child process left: exit code, stdout as bytes (to check UTF-8 exactly), stderr.</summary>
public sealed record ProcessResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string StdoutText => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Stdout);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Encoding.UTF8.GetString(Stdout)}\nstderr: {Stderr}";
}

/// <summary>A child process with piped stdin/stdout/stderr and a hard time limit.</summary>
public sealed class ProcessRun : IDisposable
{
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutCopy;
    private readonly Task _stderrCopy;
    private readonly TaskCompletionSource _firstOutput = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProcessRun(Process process)
    {
        _process = process;
        _stdoutCopy = CopyStdoutAsync();
        _stderrCopy = Task.Run(async () =>
        {
            var text = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
            lock (_stderr) _stderr.Append(text);
        });
    }

    public int ProcessId => _process.Id;

    /// <summary>Starts <paramref name="executable"/>; <paramref name="stdin"/> null gives it an empty,
    /// closed stdin (like &lt;/dev/null), otherwise the bytes then end of file.</summary>
    public static ProcessRun Start(string executable, IEnumerable<string> arguments, byte[]? stdin = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var (file, prefix) = InheritedInterrupt.Launch(executable);
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(arguments)) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null) info.Environment.Remove(name);
                else info.Environment[name] = value;
            }
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + executable);
        var run = new ProcessRun(process);
        if (stdin is { Length: > 0 }) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        return run;
    }

    public static async Task<ProcessResult> RunAsync(string executable, IEnumerable<string> arguments, byte[]? stdin = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var run = Start(executable, arguments, stdin, environment);
        return await run.WaitAsync(timeout ?? TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <summary>What the process has written to stdout so far, decoded as UTF-8.</summary>
    public string StdoutSoFar
    {
        get
        {
            lock (_stdout) return Encoding.UTF8.GetString(_stdout.GetBuffer(), 0, (int)_stdout.Length);
        }
    }

    /// <summary>Completes when the process has written its first byte to stdout.</summary>
    public Task FirstOutput => _firstOutput.Task;

    public async Task<ProcessResult> WaitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout}; stderr so far: {Stderr()}");
        }
        await Task.WhenAll(_stdoutCopy, _stderrCopy).ConfigureAwait(false);
        return new ProcessResult(_process.ExitCode, _stdout.ToArray(), Stderr());
    }

    private string Stderr()
    {
        lock (_stderr) return _stderr.ToString();
    }

    private async Task CopyStdoutAsync()
    {
        var buffer = new byte[4096];
        var stream = _process.StandardOutput.BaseStream;
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_stdout) _stdout.Write(buffer, 0, read);
            _firstOutput.TrySetResult();
        }
        _firstOutput.TrySetResult();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
