using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Transport;

public sealed partial class Connection
{
    /// <summary>
    /// The frames of one request. Its final frame ends the request for the connection the moment it
    /// is handed over, before its bytes reach the client: a client that answers a final frame at once
    /// with its next request must find the connection free, not still busy finishing the last one.
    /// Frames the connection sends on its own (refusals of bad frames) go around it, so they never
    /// end the request in flight.
    /// </summary>
    private sealed class RequestSink(Connection connection) : IResponseSink
    {
        private int _finished;

        public bool IsFinished => Volatile.Read(ref _finished) != 0;

        public Task SendAsync(ResponseFrame frame, CancellationToken cancellationToken)
        {
            if (frame.IsFinal) Volatile.Write(ref _finished, 1);
            return connection.SendAsync(frame, cancellationToken);
        }
    }
}
