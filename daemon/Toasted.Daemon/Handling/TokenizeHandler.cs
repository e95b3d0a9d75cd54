using Toasted.Daemon.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>Answers <c>tokenize</c>. The tokenizer is thread-safe, so this does not wait for the slot.</summary>
public sealed class TokenizeHandler(ModelHost host)
{
    public TokensFrame Handle(TokenizeRequest request)
    {
        if (request.Text is null)
            throw new RequestFailedException(ErrorCodes.InvalidRequest, "tokenize needs a text field");
        ModelSelection.EnsureServed(request.Model, host);
        var tokens = host.Model.Tokenizer.Encode(request.Text, request.AddSpecial ?? true, request.ParseSpecial ?? false);
        return new TokensFrame { Id = request.Id, Tokens = tokens };
    }
}
