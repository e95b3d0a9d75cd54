using Toasted.Protocol.Messages;

namespace Toasted.Client;

/// <summary>
/// Turns flags, instruction and input into a <c>generate</c> request. The order is always system,
/// instruction, input, so that many runs over different inputs share one prefix on the daemon.
/// Chat: an optional system message, then one user message "instruction\n\ninput" (an empty part and
/// its separator left out). Raw: the non-empty parts joined by "\n\n", continued as plain text.
/// </summary>
public static class PromptAssembly
{
    private const string PartSeparator = "\n\n";

    public static GenerateRequest Build(ClientOptions options, string input, string id)
    {
        var request = new GenerateRequest
        {
            Id = id,
            Model = ModelReference(options.Model),
            MaxTokens = options.MaxTokens,
            Temperature = options.Temperature,
            TopK = options.TopK,
            TopP = options.TopP,
            MinP = options.MinP,
            RepeatPenalty = options.RepeatPenalty,
            Seed = options.Seed,
            Stop = options.Stop.Count > 0 ? [.. options.Stop] : null,
            Stream = true,
        };

        if (options.Raw)
        {
            var prompt = Join(options.System, options.Instruction, input);
            if (prompt.Length == 0) throw new UsageException("nothing to send: give an instruction or pipe some input");
            request.Prompt = prompt;
            return request;
        }

        var user = Join(options.Instruction, input);
        if (user.Length == 0) throw new UsageException("nothing to send: give an instruction or pipe some input");
        request.Messages = [];
        if (!string.IsNullOrEmpty(options.System))
            request.Messages.Add(new WireChatMessage { Role = "system", Content = options.System });
        request.Messages.Add(new WireChatMessage { Role = "user", Content = user });
        return request;
    }

    private static string Join(params string?[] parts) =>
        string.Join(PartSeparator, parts.Where(part => !string.IsNullOrEmpty(part)));

    /// <summary>A path (anything with a slash) is sent absolute, since the daemon runs elsewhere;
    /// a bare name is sent as it is and matched against the loaded model's file name.</summary>
    private static string? ModelReference(string? model) =>
        model is not null && model.Contains('/', StringComparison.Ordinal) ? Path.GetFullPath(model) : model;
}
