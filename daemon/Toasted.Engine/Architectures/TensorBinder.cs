using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;
using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Looks tensors up by name, checks their GGUF dimensions against the hyper-parameters and hands
/// them to the backend; a missing or mis-shaped tensor is a <see cref="ModelLoadException"/>
/// naming it, never an index error later in the forward pass.
/// </summary>
public sealed class TensorBinder(GgufFile file, IComputeBackend backend)
{
    /// <param name="dimensions">Expected GGUF dimensions, innermost first (row length, then rows).</param>
    public WeightTensor Bind(string name, params long[] dimensions) =>
        BindOptional(name, dimensions) ?? throw new ModelLoadException(file.Path, $"tensor '{name}' is missing");

    public WeightTensor? BindOptional(string name, params long[] dimensions)
    {
        if (!file.TryGetTensor(name, out var tensor)) return null;
        var actual = tensor.Dimensions;
        var matches = actual.Length >= dimensions.Length
            && dimensions.Select((d, i) => actual[i] == d).All(x => x)
            && actual.Skip(dimensions.Length).All(d => d == 1);
        if (!matches)
            throw new ModelLoadException(file.Path,
                $"tensor '{name}' has shape [{string.Join(", ", actual)}], expected [{string.Join(", ", dimensions)}]");
        try
        {
            return backend.LoadWeight(file, tensor);
        }
        catch (NotSupportedException e)
        {
            throw new ModelLoadException(file.Path, e.Message);
        }
    }

    /// <summary>
    /// The values of a small F32 tensor (rope frequency factors) copied out of the file, or null when the
    /// file does not have it; any other type or length is a <see cref="ModelLoadException"/> naming it.
    /// </summary>
    public float[]? ReadFloats(string name, int count)
    {
        if (!file.TryGetTensor(name, out var tensor)) return null;
        if (tensor.Type != GgmlType.F32 || tensor.ElementCount != count)
            throw new ModelLoadException(file.Path, $"tensor '{name}' is {tensor.Type} with {tensor.ElementCount} values, expected F32 with {count}");
        return MemoryMarshal.Cast<byte, float>(file.GetTensorBytes(tensor)).ToArray();
    }
}
