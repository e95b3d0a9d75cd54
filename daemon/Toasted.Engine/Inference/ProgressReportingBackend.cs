using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Inference;

/// <summary>
/// Passes everything to the real backend and counts the weights bound, so loading can report
/// progress per tensor without the architectures knowing. Used only while binding; it does not own
/// the backend, so disposing it does nothing.
/// </summary>
internal sealed class ProgressReportingBackend(IComputeBackend inner, int tensorCount, IProgress<ModelLoadProgress> progress) : IComputeBackend
{
    private int _bound;

    public string Name => inner.Name;
    public int Threads => inner.Threads;

    public WeightTensor LoadWeight(GgufFile file, GgufTensorInfo tensor)
    {
        var weight = inner.LoadWeight(file, tensor);
        progress.Report(new ModelLoadProgress(ModelLoadPhases.BindTensors, Math.Min(++_bound, tensorCount), tensorCount));
        return weight;
    }

    public ComputeBuffer AllocateBuffer(int rows, int columns) => inner.AllocateBuffer(rows, columns);
    public KvCacheStorage AllocateKvCache(KvCacheShape shape) => inner.AllocateKvCache(shape);
    public IComputeStep BeginStep() => inner.BeginStep();

    public void Dispose()
    {
        // The real backend belongs to the model.
    }
}
