using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Transport;

/// <summary>Where request handling writes its frames: the narrow seam between transport and protocol
/// handling. Sending never throws for a peer that has gone; the request's token is cancelled instead.</summary>
public interface IResponseSink
{
    Task SendAsync(ResponseFrame frame, CancellationToken cancellationToken);
}
