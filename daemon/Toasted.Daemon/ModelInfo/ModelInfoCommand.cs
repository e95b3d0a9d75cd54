using Toasted.Engine.Gguf;

namespace Toasted.Daemon.ModelInfo;

/// <summary>`toasted info`: opens the header only (the weights stay unread), summarizes, prints.</summary>
public static class ModelInfoCommand
{
    public static int Run(ModelInfoArguments arguments, TextWriter output)
    {
        using var file = GgufFile.Open(arguments.ModelPath);
        var summary = ModelSummaryReader.Read(file);
        output.Write(arguments.Json ? ModelSummaryJson.Write(summary) + "\n" : ModelSummaryText.Write(summary));
        output.Flush();
        return 0;
    }
}
