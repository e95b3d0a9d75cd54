using Toasted.Engine.ChatTemplates;
using Toasted.Engine.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>
/// The token ids a <c>generate</c> request starts from. A raw prompt is tokenized as llama.cpp's
/// completion tool does (special tokens added, control-token text parsed). Messages go through the
/// model's chat format first; a template that writes BOS itself must not get a second one. A template
/// that fails on the conversation (its own <c>raise_exception</c>, or a template that cannot be parsed)
/// is the request's error, <c>invalid_request</c> with the template's message: never a wrong prompt.
/// </summary>
public static class PromptTokens
{
    public static int[] For(GenerateRequest request, LoadedModel model)
    {
        var tokenizer = model.Tokenizer;
        int[] tokens;
        if (request.Prompt is { } prompt)
        {
            tokens = tokenizer.Encode(prompt, addSpecial: true, parseSpecial: true);
        }
        else
        {
            var messages = request.Messages!.Select(message => new ChatMessage(message.Role, message.Content ?? "")).ToList();
            string text;
            try
            {
                text = model.FormatChat(messages, addGenerationPrompt: true);
            }
            catch (ChatTemplateException failure)
            {
                throw new RequestFailedException(ErrorCodes.InvalidRequest, "the model's chat template refused the conversation: " + failure.Message);
            }
            tokens = tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
            if (tokens.Length >= 2 && tokens[0] == tokenizer.BosId && tokens[1] == tokenizer.BosId)
                tokens = tokens[1..];
        }
        if (tokens.Length == 0)
            throw new RequestFailedException(ErrorCodes.InvalidRequest, "the prompt is empty");
        return tokens;
    }
}
