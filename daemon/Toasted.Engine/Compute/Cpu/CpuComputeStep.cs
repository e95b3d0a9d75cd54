using System.Buffers;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Executes each op as it is recorded; <see cref="Submit"/> has nothing left to do. The numerics
/// follow llama.cpp's CPU backend where it matters for agreement: activations are converted to the
/// weight type's dot format once per matmul, RMSNorm sums squares in double, the F16 KV cache rounds
/// queries and attention weights to F16 as ggml's F16 matmuls do.
/// </summary>
internal sealed unsafe partial class CpuComputeStep(WorkerPool pool) : IComputeStep
{
    private readonly ParallelMatMat _matMat = new(pool);
    private readonly ParallelMatVec _matVec = new(pool);
    private readonly ParallelAttention _attention = new(pool);

    public void GetRows(WeightTensor embeddings, ReadOnlySpan<int> tokens, ComputeBuffer destination)
    {
        var weight = (CpuWeightTensor)embeddings;
        var dst = (CpuBuffer)destination;
        for (int t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            if ((uint)token >= (uint)weight.Rows)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {token} outside the vocabulary of {weight.Rows}");
            weight.Traits.Dequantize(weight.Row(token), dst.Row(t));
        }
    }

    public void MatMul(WeightTensor weight, ComputeBuffer source, ComputeBuffer destination)
    {
        var w = (CpuWeightTensor)weight;
        var src = (CpuBuffer)source;
        var dst = (CpuBuffer)destination;
        if (src.Columns != w.RowLength || dst.Columns != w.Rows || src.Rows != dst.Rows)
            throw new ArgumentException($"matmul shape mismatch: {w} × ({src.Rows}×{src.Columns}) → ({dst.Rows}×{dst.Columns})");
        if (src.Rows > 1)
        {
            // Many tokens (prefill): a tiled matrix kernel reuses each weight block across tokens.
            _matMat.Run(w, src, dst);
            return;
        }
        if (src.Rows == 1) DecodeProducts(src, [(weight, destination)]);
    }

    /// <summary>
    /// A decode step's products of one input whose weights take the same activation format run as one
    /// <see cref="ParallelMatVec"/> dispatch over one conversion of the input: each thread streams one share of
    /// all their rows, and the weight stream starts once instead of once per product. Anything else runs
    /// product by product.
    /// </summary>
    public void MatMuls(ComputeBuffer source, params ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        if (products.IsEmpty) return;
        var src = (CpuBuffer)source;
        if (src.Rows != 1 || !ShareActivationType(products))
        {
            foreach (var (weight, destination) in products) MatMul(weight, source, destination);
            return;
        }
        DecodeProducts(src, products);
    }

    /// <summary>One token's products, whose weights take one activation format: the row converted once, the
    /// products run as one <see cref="ParallelMatVec"/> job list.</summary>
    private void DecodeProducts(CpuBuffer src, ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        var activationType = ((CpuWeightTensor)products[0].Weight).Traits.ActivationType;
        var activationRowBytes = ActivationQuantizer.RowBytes(activationType, src.Columns);
        var activations = ArrayPool<byte>.Shared.Rent(activationRowBytes);
        try
        {
            ActivationQuantizer.Quantize(activationType, src.Row(0), activations.AsSpan(0, activationRowBytes));
            var jobs = _matVec.Jobs(products.Length);
            for (int j = 0; j < products.Length; j++)
            {
                var w = (CpuWeightTensor)products[j].Weight;
                var dst = (CpuBuffer)products[j].Destination;
                if (src.Columns != w.RowLength || dst.Columns != w.Rows || dst.Rows != 1)
                    throw new ArgumentException($"matmul shape mismatch: {w} × ({src.Rows}×{src.Columns}) → ({dst.Rows}×{dst.Columns})");
                jobs[j] = new MatVecJob(w, 0, activationRowBytes, dst.Data);
            }
            _matVec.RunJobs(products.Length, activations);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(activations);
        }
    }

    private static bool ShareActivationType(ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        var type = ((CpuWeightTensor)products[0].Weight).Traits.ActivationType;
        foreach (var (weight, _) in products)
            if (((CpuWeightTensor)weight).Traits.ActivationType != type) return false;
        return true;
    }

    public void Scale(ComputeBuffer destination, float factor) => RowKernels.Scale(((CpuBuffer)destination).All, factor);

    public void Attention(KvCacheStorage cache, int layer, ComputeBuffer queries, int firstPosition, AttentionParameters attention, ComputeBuffer destination) =>
        _attention.Run((CpuKvCache)cache, layer, (CpuBuffer)queries, firstPosition, attention, (CpuBuffer)destination);

    public void CopyColumns(ComputeBuffer source, int firstColumn, ComputeBuffer destination)
    {
        var src = (CpuBuffer)source;
        var dst = (CpuBuffer)destination;
        if (firstColumn < 0 || firstColumn + dst.Columns > src.Columns || src.Rows != dst.Rows)
            throw new ArgumentException($"columns [{firstColumn}, {firstColumn + dst.Columns}) of ({src.Rows}×{src.Columns}) into ({dst.Rows}×{dst.Columns})");
        for (int t = 0; t < src.Rows; t++)
            src.Row(t).Slice(firstColumn, dst.Columns).CopyTo(dst.Row(t));
    }

    public void SoftCap(ComputeBuffer values, float cap) => RowKernels.SoftCap(((CpuBuffer)values).All, cap);

    public void Submit()
    {
    }

    /// <summary>Attention is the one op whose cost grows with the context (a 512-token batch deep in a
    /// long context takes hundreds of milliseconds on a small model), so it checks the token per
    /// (token, head) pair; every other op is short enough to run to its end.</summary>
    public void AbandonOn(CancellationToken cancellationToken) => _attention.Cancellation = cancellationToken;

    /// <summary>Nothing to release per step: the backend reuses this object, see <see cref="ReleaseScratch"/>.
    /// The cancellation of one step must not leak into the next, which reuses this object.</summary>
    public void Dispose()
    {
        _attention.Cancellation = CancellationToken.None;
    }
}
