using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Transport;

/// <summary>Serves one decoded request; must end it with exactly one final frame on the sink, and
/// must not throw. The token is cancelled when the peer goes away or the daemon stops.</summary>
public interface IRequestHandler
{
    Task HandleAsync(RequestFrame request, IResponseSink sink, CancellationToken cancellationToken);
}
