namespace Toasted.Client.Status;

/// <summary>Parses the flags after <c>toast status</c>: <c>--json</c>, <c>--watch</c> (<c>-w</c>),
/// <c>--socket PATH</c> (or <c>--socket=PATH</c>), <c>-h</c>.</summary>
public static class StatusArguments
{
    public static StatusOptions Parse(IReadOnlyList<string> args)
    {
        var options = new StatusOptions();
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            switch (argument)
            {
                case "-h" or "--help": options.ShowHelp = true; break;
                case "--json": options.Json = true; break;
                case "-w" or "--watch": options.Watch = true; break;
                case "--socket":
                    if (index + 1 >= args.Count || args[index + 1].Length == 0) throw new UsageException("--socket needs a value");
                    options.SocketPath = args[++index];
                    break;
                default:
                    if (argument.StartsWith("--socket=", StringComparison.Ordinal) && argument.Length > "--socket=".Length)
                    {
                        options.SocketPath = argument["--socket=".Length..];
                        break;
                    }
                    throw new UsageException($"unknown argument '{argument}' for status (see toast status --help)");
            }
        }
        return options;
    }
}
