using Toasted.Client.Status;

namespace Toasted.Client;

public static class Program
{
    public static Task<int> Main(string[] args) =>
        args.Length > 0 && args[0] == "status" ? StatusCommand.RunAsync(args[1..]) : ToastCommand.RunAsync(args);
}
