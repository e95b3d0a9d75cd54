namespace Toasted.Protocol.Admin;

/// <summary>
/// How far a starting daemon has got, read from its admin socket's snapshot (the admin socket is up
/// while the model loads): "bind_tensors 120/201". Null while the admin socket does not answer yet.
/// </summary>
public static class LoadingReport
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(500);

    public static async Task<string?> TryReadAsync(string socketPath, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            await using var connection = await AdminConnection.ConnectAsync(AdminSocketLocation.For(socketPath), timeout.Token).ConfigureAwait(false);
            if (await connection.ReadAsync(timeout.Token).ConfigureAwait(false) is not { Frame: SnapshotFrame snapshot }) return null;
            return snapshot.Loading is { } loading
                ? loading.Total > 0 ? $"{snapshot.State}: {loading.Phase} {loading.Done}/{loading.Total}" : $"{snapshot.State}: {loading.Phase}"
                : snapshot.State;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or System.Net.Sockets.SocketException
            or Toasted.Protocol.Client.DaemonUnavailableException)
        {
            // Not up yet, or going away: the caller says only that it is still waiting.
            return null;
        }
    }
}
