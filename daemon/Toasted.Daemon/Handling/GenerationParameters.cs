using Toasted.Engine.Inference;
using Toasted.Engine.Sampling;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>Checks a <c>generate</c> request's fields against the limits of docs/protocol.md and turns
/// them into the engine's options. Absent fields take the engine's (llama.cpp's) defaults.</summary>
public static class GenerationParameters
{
    public const int MaxStopStrings = 16;
    public const int MaxStopStringLength = 256;
    private static readonly string[] Roles = ["system", "user", "assistant"];

    public static GenerationOptions ToOptions(GenerateRequest request)
    {
        var hasMessages = request.Messages is not null;
        var hasPrompt = request.Prompt is not null;
        if (hasMessages == hasPrompt)
            Fail("generate needs exactly one of messages or prompt");
        if (request.Messages is { } messages)
        {
            if (messages.Count == 0) Fail("messages is empty");
            foreach (var message in messages)
            {
                if (message is null || Array.IndexOf(Roles, message.Role) < 0)
                    Fail($"message role must be system, user or assistant, not \"{message?.Role}\"");
            }
        }

        if (request.MaxTokens is < 1) Fail("max_tokens must be at least 1 (omit it to generate until the end)");
        if (request.Temperature is { } temperature && !(temperature >= 0 && float.IsFinite(temperature))) Fail("temperature must be a finite number ≥ 0");
        if (request.TopK is < 0) Fail("top_k must be ≥ 0 (0 disables it)");
        if (request.TopP is { } topP && !(topP is > 0 and <= 1)) Fail("top_p must be in (0, 1]");
        if (request.MinP is { } minP && !(minP is >= 0 and <= 1)) Fail("min_p must be in [0, 1]");
        if (request.RepeatPenalty is { } penalty && !(penalty > 0 && float.IsFinite(penalty))) Fail("repeat_penalty must be a finite number > 0");
        if (request.Stop is { } stop)
        {
            if (stop.Count > MaxStopStrings) Fail($"at most {MaxStopStrings} stop strings");
            if (stop.Any(text => string.IsNullOrEmpty(text) || text.Length > MaxStopStringLength))
                Fail($"stop strings must be non-empty and at most {MaxStopStringLength} characters");
        }

        var defaults = new SamplingOptions();
        return new GenerationOptions
        {
            MaxTokens = request.MaxTokens ?? 0,
            Stop = request.Stop ?? [],
            // A raw prompt is continued, so the first new word keeps its separating space; a chat
            // reply starts a text of its own.
            ContinuesPrompt = request.Prompt is not null,
            Sampling = defaults with
            {
                Temperature = request.Temperature ?? defaults.Temperature,
                TopK = request.TopK ?? defaults.TopK,
                TopP = request.TopP ?? defaults.TopP,
                MinP = request.MinP ?? defaults.MinP,
                RepeatPenalty = request.RepeatPenalty ?? defaults.RepeatPenalty,
                Seed = request.Seed ?? defaults.Seed,
            },
        };
    }

    private static void Fail(string message) => throw new RequestFailedException(ErrorCodes.InvalidRequest, message);
}
