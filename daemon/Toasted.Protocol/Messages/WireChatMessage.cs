namespace Toasted.Protocol.Messages;

/// <summary>One turn of a conversation in a <c>generate</c> request: role is system, user or assistant.</summary>
public sealed class WireChatMessage
{
    public string Role { get; set; } = "";
    public string Content { get; set; } = "";
}
