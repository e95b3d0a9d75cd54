namespace Toasted.Client;

public static class Program
{
    public static Task<int> Main(string[] args) => ToastCommand.RunAsync(args);
}
