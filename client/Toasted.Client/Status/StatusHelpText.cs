namespace Toasted.Client.Status;

/// <summary>The text of <c>toast status --help</c>.</summary>
public static class StatusHelpText
{
    public const string Usage = """
        usage: toast status [--json] [--watch] [--socket PATH]

        Asks the daemon's admin socket how it is: state, model, backend, threads, context, queue,
        memory, uptime, version. Works while the model is still loading.

              --json          print the snapshot frame as the daemon sent it (one JSON line)
          -w, --watch         then print every event as it happens (loading progress, requests
                              starting and finishing, queue changes, errors), one line each,
                              until Ctrl-C or the daemon stops; with --json, the frames as sent
              --socket PATH   the daemon's main socket (env TOASTED_SOCKET); the admin socket
                              is found beside it
          -h, --help          this text

        exit codes: 0 the daemon is ready, 3 no daemon answers or it is not ready (loading or
                    stopping), 2 usage, 130 interrupted (--watch)
        """;
}
