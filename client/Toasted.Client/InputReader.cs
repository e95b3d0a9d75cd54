using System.Text;

namespace Toasted.Client;

/// <summary>
/// The input part of the prompt: the files named on the command line (<c>-</c> is stdin), or stdin
/// itself when no file is named and stdin is not a terminal. Bytes that are not UTF-8 become U+FFFD
/// rather than failing the request.
/// </summary>
public static class InputReader
{
    public static string Read(IReadOnlyList<string> files, bool stdinIsTerminal)
    {
        if (files.Count == 0)
            return stdinIsTerminal ? "" : ReadStandardInput();

        var parts = new List<string>(files.Count);
        foreach (var file in files)
        {
            try
            {
                parts.Add(file == "-" ? ReadStandardInput() : Decode(File.ReadAllBytes(file)));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read {file}: {exception.Message}");
            }
        }
        // One file after another, each starting on its own line.
        var input = new StringBuilder();
        foreach (var part in parts)
        {
            if (input.Length > 0 && input[^1] != '\n') input.Append('\n');
            input.Append(part);
        }
        return input.ToString();
    }

    private static string ReadStandardInput()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        // Drop a UTF-8 byte-order mark; it is not text the model should see.
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        return Encoding.UTF8.GetString(bytes);
    }
}
