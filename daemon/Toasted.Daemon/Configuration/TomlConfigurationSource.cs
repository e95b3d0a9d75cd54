using Microsoft.Extensions.Configuration;

namespace Toasted.Daemon.Configuration;

/// <summary>A TOML file as a configuration source. <see cref="Optional"/>: a missing file gives no
/// settings instead of an error (the default location may well have no file).</summary>
public sealed class TomlConfigurationSource : IConfigurationSource
{
    public required string Path { get; init; }

    public bool Optional { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new TomlConfigurationProvider(this);
}
