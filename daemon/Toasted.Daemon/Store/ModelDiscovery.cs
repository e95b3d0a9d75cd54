using System.Text.Json;

namespace Toasted.Daemon.Store;

/// <summary>A model file found on disk and where it was found.</summary>
public sealed record DiscoveredModel(string Path, string Source);

/// <summary>
/// Finds a GGUF already on this machine, in order: <c>$TOASTED_MODEL</c>; the Hugging Face hub cache
/// (<c>$HF_HUB_CACHE</c>, <c>$HF_HOME/hub</c> or <c>~/.cache/huggingface/hub</c>:
/// <c>models--*/snapshots/*/*.gguf</c>); the Ollama store (<c>$OLLAMA_MODELS</c> or
/// <c>~/.ollama/models</c>: a manifest's model layer, read from <c>blobs/sha256-…</c>); the fallback.
/// Files are used where they lie. Within one store the most recently modified model wins.
/// </summary>
public sealed class ModelDiscovery(Func<string, string?> environment)
{
    private const string OllamaModelLayer = "application/vnd.ollama.image.model";

    public DiscoveredModel? Find(string? fallbackPath)
    {
        if (environment("TOASTED_MODEL") is { Length: > 0 } configured)
            return new DiscoveredModel(Path.GetFullPath(configured), "TOASTED_MODEL");
        if (FindInHuggingFaceCache() is { } huggingFace) return huggingFace;
        if (FindInOllamaStore() is { } ollama) return ollama;
        if (!string.IsNullOrEmpty(fallbackPath) && File.Exists(fallbackPath))
            return new DiscoveredModel(Path.GetFullPath(fallbackPath), "fallback");
        return null;
    }

    private string Home => environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private DiscoveredModel? FindInHuggingFaceCache()
    {
        var hub = environment("HF_HUB_CACHE") is { Length: > 0 } hubCache ? hubCache
            : environment("HF_HOME") is { Length: > 0 } hfHome ? Path.Combine(hfHome, "hub")
            : Path.Combine(Home, ".cache", "huggingface", "hub");
        if (!Directory.Exists(hub)) return null;

        var candidates =
            from repository in SafeEnumerateDirectories(hub, "models--*")
            from snapshot in SafeEnumerateDirectories(Path.Combine(repository, "snapshots"), "*")
            from file in SafeEnumerateFiles(snapshot, "*.gguf")
            where IsLoadableModelFile(Path.GetFileName(file))
            select file;
        return Newest(candidates) is { } path ? new DiscoveredModel(path, "Hugging Face cache " + hub) : null;
    }

    private DiscoveredModel? FindInOllamaStore()
    {
        var store = environment("OLLAMA_MODELS") is { Length: > 0 } configured ? configured : Path.Combine(Home, ".ollama", "models");
        var manifests = Path.Combine(store, "manifests");
        if (!Directory.Exists(manifests)) return null;

        var blobs = new List<string>();
        foreach (var manifest in SafeEnumerateFiles(manifests, "*", SearchOption.AllDirectories))
        {
            if (ModelLayerDigest(manifest) is not { } digest) continue;
            // Digests are "sha256:<hex>"; blobs are stored as "sha256-<hex>".
            var blob = Path.Combine(store, "blobs", digest.Replace(':', '-'));
            if (File.Exists(blob)) blobs.Add(blob);
        }
        return Newest(blobs) is { } path ? new DiscoveredModel(path, "Ollama store " + store) : null;
    }

    private static string? ModelLayerDigest(string manifestPath)
    {
        try
        {
            using var stream = File.OpenRead(manifestPath);
            using var document = JsonDocument.Parse(stream);
            if (!document.RootElement.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                return null;
            foreach (var layer in layers.EnumerateArray())
            {
                if (layer.TryGetProperty("mediaType", out var mediaType) && mediaType.GetString() == OllamaModelLayer
                    && layer.TryGetProperty("digest", out var digest))
                    return digest.GetString();
            }
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Not a manifest we understand: skip it rather than fail discovery.
        }
        return null;
    }

    /// <summary>Skips projector files and every part but the first of a split model.</summary>
    private static bool IsLoadableModelFile(string fileName) =>
        !fileName.Contains("mmproj", StringComparison.OrdinalIgnoreCase)
        && (!fileName.Contains("-of-", StringComparison.Ordinal) || fileName.Contains("-00001-of-", StringComparison.Ordinal));

    private static string? Newest(IEnumerable<string> paths) =>
        paths.Select(path => new FileInfo(path))
            .Where(file => file.Exists)
            .OrderByDescending(file => file.LastWriteTimeUtc)
            .ThenBy(file => file.FullName, StringComparer.Ordinal)
            .Select(file => file.FullName)
            .FirstOrDefault();

    private static IEnumerable<string> SafeEnumerateDirectories(string path, string pattern) =>
        Directory.Exists(path) ? Directory.EnumerateDirectories(path, pattern) : [];

    private static IEnumerable<string> SafeEnumerateFiles(string path, string pattern, SearchOption option = SearchOption.TopDirectoryOnly) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path, pattern, new EnumerationOptions { RecurseSubdirectories = option == SearchOption.AllDirectories, IgnoreInaccessible = true })
            : [];
}
