namespace Toasted.Engine.Inference;

/// <summary>One turn of a conversation: role is "system", "user" or "assistant".</summary>
public sealed record ChatMessage(string Role, string Content);
