namespace Toasted.Protocol;

/// <summary>The release both executables report with --version.</summary>
public static class ProductInfo
{
    public const string Version = "0.1.0";
}
