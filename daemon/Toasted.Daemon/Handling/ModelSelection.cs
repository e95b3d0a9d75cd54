using Toasted.Daemon.Inference;
using Toasted.Protocol;

namespace Toasted.Daemon.Handling;

/// <summary>Checks a request's optional <c>model</c> field against the one model this daemon serves:
/// an absolute path must be that file; anything else must be its file name (with or without .gguf)
/// or its name from the metadata.</summary>
public static class ModelSelection
{
    public static void EnsureServed(string? requested, ModelHost host)
    {
        if (string.IsNullOrEmpty(requested)) return;
        var loadedPath = Path.GetFullPath(host.Model.Description.Path);
        var matches = Path.IsPathRooted(requested)
            ? string.Equals(Path.GetFullPath(requested), loadedPath, StringComparison.Ordinal)
            : requested == Path.GetFileName(loadedPath)
              || requested == Path.GetFileNameWithoutExtension(loadedPath)
              || string.Equals(requested, host.Model.Description.Name, StringComparison.OrdinalIgnoreCase);
        if (!matches)
            throw new RequestFailedException(ErrorCodes.ModelUnavailable,
                $"model \"{requested}\" is not loaded; this daemon serves {Path.GetFileName(loadedPath)} ({loadedPath})");
    }
}
