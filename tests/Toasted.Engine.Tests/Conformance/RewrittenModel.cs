using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// A copy of a conformance model with metadata keys removed or changed and tensors added, for tests
/// that need a variant llama.cpp was not run on (a window switched off, LongRoPE factors added).
/// </summary>
internal static class RewrittenModel
{
    public static void Write(string sourcePath, string destinationPath, IReadOnlyCollection<string> removedKeys, Action<GgufWriter> change)
    {
        var writer = new GgufWriter();
        using (var source = GgufFile.Open(sourcePath))
        {
            foreach (var (key, value) in source.Metadata.Values)
            {
                if (!removedKeys.Contains(key)) writer.Set(key, value);
            }
            foreach (var tensor in source.Tensors)
                writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, source.GetTensorBytes(tensor).ToArray());
        }
        change(writer);
        writer.Write(destinationPath);
    }
}
