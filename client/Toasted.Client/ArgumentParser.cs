using System.Globalization;

namespace Toasted.Client;

/// <summary>A command line toast cannot run; the message names the argument.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Hand-written parsing (no reflection, so NativeAOT trims it cleanly and start-up stays instant).
/// Flags may come before or after the instruction; <c>--flag=value</c> and <c>--flag value</c> both
/// work; <c>--</c> ends the flags. The first positional argument is the instruction, the rest are files.
/// </summary>
public static class ArgumentParser
{
    public static ClientOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ClientOptions();
        var positional = new List<string>();
        var flagsEnded = false;
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            if (flagsEnded || argument == "-" || !argument.StartsWith('-'))
            {
                positional.Add(argument);
                continue;
            }
            if (argument == "--")
            {
                flagsEnded = true;
                continue;
            }

            var name = argument;
            string? inlineValue = null;
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (argument.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = argument[..equals];
                inlineValue = argument[(equals + 1)..];
            }
            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (index + 1 >= args.Count) throw new UsageException($"{name} needs a value");
                return args[++index];
            }

            switch (name)
            {
                case "-h" or "--help": options.ShowHelp = true; break;
                case "--version": options.ShowVersion = true; break;
                case "-m" or "--model": options.Model = Value(); break;
                case "-s" or "--system": options.System = Value(); break;
                case "-n" or "--max-tokens": options.MaxTokens = Integer(name, Value(), minimum: 1); break;
                case "-t" or "--temperature": options.Temperature = Number(name, Value(), minimum: 0); break;
                case "--top-k": options.TopK = Integer(name, Value(), minimum: 0); break;
                case "--top-p": options.TopP = Number(name, Value(), minimum: 0, maximum: 1); break;
                case "--min-p": options.MinP = Number(name, Value(), minimum: 0, maximum: 1); break;
                case "--repeat-penalty": options.RepeatPenalty = Number(name, Value(), minimum: 0); break;
                case "--seed": options.Seed = Seed(name, Value()); break;
                case "--stop": options.Stop.Add(NonEmpty(name, Value())); break;
                case "--raw": options.Raw = true; break;
                case "--json": options.Json = true; break;
                case "--socket": options.SocketPath = NonEmpty(name, Value()); break;
                case "--no-autostart": options.NoAutostart = true; break;
                default: throw new UsageException($"unknown flag '{argument}' (see toast --help)");
            }
            if (inlineValue is not null && name is "-h" or "--help" or "--version" or "--raw" or "--json" or "--no-autostart")
                throw new UsageException($"{name} takes no value");
        }

        if (positional.Count > 0)
        {
            options.Instruction = positional[0];
            options.Files.AddRange(positional.Skip(1));
        }
        return options;
    }

    private static int Integer(string name, string text, int minimum)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new UsageException($"{name} needs an integer ≥ {minimum}, not '{text}'");
        return value;
    }

    private static float Number(string name, string text, float minimum, float maximum = float.MaxValue)
    {
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !float.IsFinite(value) || value < minimum || value > maximum)
            throw new UsageException(maximum == float.MaxValue
                ? $"{name} needs a number ≥ {minimum.ToString(CultureInfo.InvariantCulture)}, not '{text}'"
                : $"{name} needs a number in [{minimum.ToString(CultureInfo.InvariantCulture)}, {maximum.ToString(CultureInfo.InvariantCulture)}], not '{text}'");
        return value;
    }

    private static ulong Seed(string name, string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"{name} needs a non-negative integer, not '{text}'");

    private static string NonEmpty(string name, string text) =>
        text.Length > 0 ? text : throw new UsageException($"{name} needs a non-empty value");
}
