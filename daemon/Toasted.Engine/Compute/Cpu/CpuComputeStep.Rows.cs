using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The row-wise ops: norms, RoPE, KV stores, gated activations, adds. Each row's result depends on that row
/// alone, so a batch of many rows is cut into one contiguous share per pool thread: on one thread they took
/// 5–6 % of a 512-token prefill step while the other thread waited. A decode step's single row runs inline,
/// a few microseconds that a dispatch would not pay for. Each op is a struct holding its operands, so the
/// inline path allocates nothing; the parallel path allocates one closure per call.
/// </summary>
internal sealed unsafe partial class CpuComputeStep
{
    /// <summary>Rows from which a row-wise op is spread over the pool.</summary>
    private const int ParallelRowsFrom = 8;

    private interface IRowRange
    {
        void Run(int first, int end);
    }

    public void RmsNorm(ComputeBuffer source, WeightTensor weight, float epsilon, ComputeBuffer destination)
    {
        var src = (CpuBuffer)source;
        ForRows(src.Rows, new RmsNormRows(src, (CpuWeightTensor)weight, epsilon, (CpuBuffer)destination));
    }

    public void RmsNormHeads(ComputeBuffer buffer, int heads, int headDim, WeightTensor weight, float epsilon)
    {
        var rows = (CpuBuffer)buffer;
        var w = (CpuWeightTensor)weight;
        if (w.RowLength != headDim || heads * headDim > rows.Columns)
            throw new ArgumentException($"per-head norm of {heads}×{headDim} with a weight of {w.RowLength} over rows of {rows.Columns}");
        ForRows(rows.Rows, new HeadNormRows(rows, heads, headDim, w, epsilon));
    }

    public void AddBias(ComputeBuffer destination, WeightTensor bias)
    {
        var dst = (CpuBuffer)destination;
        ForRows(dst.Rows, new AddBiasRows(dst, (CpuWeightTensor)bias));
    }

    public void Add(ComputeBuffer destination, ComputeBuffer source)
    {
        var dst = (CpuBuffer)destination;
        var src = (CpuBuffer)source;
        if (src.Rows != dst.Rows || src.Columns != dst.Columns)
        {
            // Same element count, other shape: one flat add, as before.
            RowKernels.Add(dst.All, src.All);
            return;
        }
        ForRows(dst.Rows, new AddRows(dst, src));
    }

    public void Rope(ComputeBuffer buffer, int heads, int headDim, int firstPosition, RopeParameters rope)
    {
        var buf = (CpuBuffer)buffer;
        ForRows(buf.Rows, new RopeRows(buf, heads, headDim, firstPosition, rope));
    }

    public void StoreKv(KvCacheStorage cache, int layer, ComputeBuffer keys, ComputeBuffer values, int firstPosition)
    {
        var kv = (CpuKvCache)cache;
        var k = (CpuBuffer)keys;
        if (firstPosition + k.Rows > kv.Shape.Capacity)
            throw new InvalidOperationException($"KV cache of {kv.Shape.Capacity} positions cannot store up to position {firstPosition + k.Rows}");
        ForRows(k.Rows, new StoreKvRows(kv, layer, k, (CpuBuffer)values, firstPosition));
    }

    public void SwiGlu(ComputeBuffer gate, ComputeBuffer up) => GatedRows((CpuBuffer)gate, (CpuBuffer)up, swish: true);

    public void GeGlu(ComputeBuffer gate, ComputeBuffer up) => GatedRows((CpuBuffer)gate, (CpuBuffer)up, swish: false);

    private void GatedRows(CpuBuffer gate, CpuBuffer up, bool swish)
    {
        if (up.Rows != gate.Rows || up.Columns != gate.Columns)
        {
            if (swish) RowKernels.SwiGlu(gate.All, up.All);
            else RowKernels.GeGlu(gate.All, up.All);
            return;
        }
        ForRows(gate.Rows, new GatedActivationRows(gate, up, swish));
    }

    private void ForRows<TRows>(int rows, TRows op) where TRows : struct, IRowRange
    {
        if (rows < ParallelRowsFrom || pool.Threads == 1) op.Run(0, rows);
        else ForRowsOnPool(rows, op);
    }

    /// <summary>Apart from <see cref="ForRows{TRows}"/> so that only this path creates the closure.</summary>
    private void ForRowsOnPool<TRows>(int rows, TRows op) where TRows : struct, IRowRange
    {
        var parts = Math.Min(pool.Threads, rows);
        pool.For(parts, part => op.Run(rows * part / parts, rows * (part + 1) / parts));
    }

    private readonly struct RmsNormRows(CpuBuffer source, CpuWeightTensor weight, float epsilon, CpuBuffer destination) : IRowRange
    {
        public void Run(int first, int end)
        {
            var gamma = new ReadOnlySpan<float>(weight.Data, weight.RowLength);
            for (int t = first; t < end; t++)
                RowKernels.RmsNorm(source.Row(t), gamma, epsilon, destination.Row(t));
        }
    }

    private readonly struct HeadNormRows(CpuBuffer rows, int heads, int headDim, CpuWeightTensor weight, float epsilon) : IRowRange
    {
        public void Run(int first, int end)
        {
            var gamma = new ReadOnlySpan<float>(weight.Data, headDim);
            for (int t = first; t < end; t++)
            {
                var row = rows.Row(t);
                for (int h = 0; h < heads; h++)
                {
                    // RmsNorm reads each value before writing it, so normalising in place is safe.
                    var head = row.Slice(h * headDim, headDim);
                    RowKernels.RmsNorm(head, gamma, epsilon, head);
                }
            }
        }
    }

    private readonly struct AddBiasRows(CpuBuffer destination, CpuWeightTensor bias) : IRowRange
    {
        public void Run(int first, int end)
        {
            var values = new ReadOnlySpan<float>(bias.Data, bias.RowLength);
            for (int t = first; t < end; t++)
                RowKernels.Add(destination.Row(t), values);
        }
    }

    private readonly struct AddRows(CpuBuffer destination, CpuBuffer source) : IRowRange
    {
        public void Run(int first, int end)
        {
            for (int t = first; t < end; t++)
                RowKernels.Add(destination.Row(t), source.Row(t));
        }
    }

    private readonly struct RopeRows(CpuBuffer buffer, int heads, int headDim, int firstPosition, RopeParameters rope) : IRowRange
    {
        public void Run(int first, int end)
        {
            Span<float> cos = stackalloc float[rope.Dimensions / 2];
            Span<float> sin = stackalloc float[rope.Dimensions / 2];
            for (int t = first; t < end; t++)
            {
                RotaryEmbedding.Angles(firstPosition + t, rope, cos, sin);
                var row = buffer.Row(t);
                for (int h = 0; h < heads; h++)
                    RotaryEmbedding.Rotate(row.Slice(h * headDim, headDim), rope.Mode, cos, sin);
            }
        }
    }

    private readonly struct StoreKvRows(CpuKvCache cache, int layer, CpuBuffer keys, CpuBuffer values, int firstPosition) : IRowRange
    {
        public void Run(int first, int end)
        {
            var shape = cache.Shape;
            for (int t = first; t < end; t++)
            {
                var kRow = keys.Row(t);
                var vRow = values.Row(t);
                for (int h = 0; h < shape.KvHeads; h++)
                {
                    // Keys and values alike: one run of headDim halves per position.
                    var offset = cache.HeadOffset(layer, h) + (long)(firstPosition + t) * shape.HeadDim;
                    F16Kernels.Quantize(kRow.Slice(h * shape.HeadDim, shape.HeadDim), new Span<byte>(cache.Keys + offset, shape.HeadDim * 2));
                    F16Kernels.Quantize(vRow.Slice(h * shape.HeadDim, shape.HeadDim), new Span<byte>(cache.Values + offset, shape.HeadDim * 2));
                }
            }
        }
    }

    private readonly struct GatedActivationRows(CpuBuffer gate, CpuBuffer up, bool swish) : IRowRange
    {
        public void Run(int first, int end)
        {
            for (int t = first; t < end; t++)
            {
                if (swish) RowKernels.SwiGlu(gate.Row(t), up.Row(t));
                else RowKernels.GeGlu(gate.Row(t), up.Row(t));
            }
        }
    }
}
