using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Mixture-of-experts ops. Expert matmuls group the (token, choice) pairs by expert and run the
/// ordinary matmul on a view of that expert's slab of rows, so every weight type and kernel path of
/// <see cref="MatMul"/> serves experts too, and an expert no row chose is never read. For one token
/// (decode) the chosen experts' products go to the worker pool as one dispatch instead of one per expert.
/// </summary>
internal sealed unsafe partial class CpuComputeStep
{
    /// <summary>llama.cpp clamps the sum of the chosen weights from below before dividing by it.</summary>
    private const float MinimumWeightSum = 6.103515625e-5f;

    private CpuBuffer? _expertInputs;
    private CpuBuffer? _expertResults;
    private byte[] _expertActivations = [];

    public void SelectExperts(ComputeBuffer routerLogits, bool normaliseWeights, ComputeBuffer expertIds, ComputeBuffer expertWeights)
    {
        var logits = (CpuBuffer)routerLogits;
        var ids = (CpuBuffer)expertIds;
        var weights = (CpuBuffer)expertWeights;
        var used = ids.Columns;
        if (weights.Columns != used || ids.Rows != logits.Rows || weights.Rows != logits.Rows || used > logits.Columns)
            throw new ArgumentException($"choosing {used} of {logits.Columns} experts into ({ids.Rows}×{ids.Columns}) ids and ({weights.Rows}×{weights.Columns}) weights");
        Span<float> probabilities = stackalloc float[logits.Columns];
        Span<int> chosen = stackalloc int[used];
        for (int t = 0; t < logits.Rows; t++)
        {
            ExpertRouting.Softmax(logits.Row(t), probabilities);
            ExpertRouting.TopK(probabilities, chosen);
            var idRow = ids.Row(t);
            var weightRow = weights.Row(t);
            float sum = 0;
            for (int j = 0; j < used; j++)
            {
                idRow[j] = chosen[j];
                weightRow[j] = probabilities[chosen[j]];
                sum += weightRow[j];
            }
            if (normaliseWeights)
            {
                sum = Math.Max(sum, MinimumWeightSum);
                for (int j = 0; j < used; j++) weightRow[j] /= sum;
            }
        }
    }

    public void MatMulExperts(WeightTensor experts, ComputeBuffer source, ComputeBuffer expertIds, ComputeBuffer destination)
    {
        var w = (CpuWeightTensor)experts;
        var src = (CpuBuffer)source;
        var ids = (CpuBuffer)expertIds;
        var dst = (CpuBuffer)destination;
        var used = ids.Columns;
        var rowsPerExpert = dst.Columns / used;
        var expertCount = rowsPerExpert == 0 ? 0 : w.Rows / rowsPerExpert;
        var inputPerChoice = src.Columns == used * w.RowLength && used > 1;
        if (rowsPerExpert * used != dst.Columns || expertCount * rowsPerExpert != w.Rows
            || (src.Columns != w.RowLength && !inputPerChoice) || src.Rows != dst.Rows || ids.Rows != dst.Rows)
            throw new ArgumentException($"expert matmul shape mismatch: {w} × ({src.Rows}×{src.Columns}) by ({ids.Rows}×{used}) choices → ({dst.Rows}×{dst.Columns})");

        if (src.Rows == 1)
        {
            MatVecExperts(w, src, ids, dst, rowsPerExpert, expertCount, inputPerChoice);
            return;
        }

        // Group the (token, choice) pairs by expert: pairs[offsets[e]…offsets[e+1]) chose expert e.
        var pairCount = ids.Rows * used;
        Span<int> offsets = stackalloc int[expertCount + 1];
        // Decode has k pairs and a prefill micro-batch a few thousand: the stack holds them without a heap allocation.
        Span<int> pairs = pairCount <= 4096 ? stackalloc int[pairCount] : new int[pairCount];
        for (int p = 0; p < pairCount; p++)
            offsets[ExpertId(ids, p, expertCount) + 1]++;
        for (int e = 0; e < expertCount; e++) offsets[e + 1] += offsets[e];
        Span<int> fill = stackalloc int[expertCount];
        offsets[..expertCount].CopyTo(fill);
        for (int p = 0; p < pairCount; p++)
            pairs[fill[ExpertId(ids, p, expertCount)]++] = p;

        var gathered = Grown(ref _expertInputs, pairCount, w.RowLength);  // (pairs, in) inputs grouped by expert
        var results = Grown(ref _expertResults, pairCount, rowsPerExpert); // (pairs, R) their outputs
        for (int i = 0; i < pairCount; i++)
        {
            var (t, j) = (pairs[i] / used, pairs[i] % used);
            var input = inputPerChoice ? src.Row(t).Slice(j * w.RowLength, w.RowLength) : src.Row(t);
            input.CopyTo(gathered.Row(i));
        }
        for (int e = 0; e < expertCount; e++)
        {
            var count = offsets[e + 1] - offsets[e];
            if (count == 0) continue;
            MatMul(w.Expert(e, rowsPerExpert), gathered.Slice(offsets[e], count), results.Slice(offsets[e], count));
        }
        for (int i = 0; i < pairCount; i++)
        {
            var (t, j) = (pairs[i] / used, pairs[i] % used);
            results.Row(i).CopyTo(dst.Row(t).Slice(j * rowsPerExpert, rowsPerExpert));
        }
    }

    /// <summary>
    /// One token's expert products in one pool dispatch: the input quantized once (or once per choice when each
    /// choice has its own input), then choice j's expert rows written straight to its slice of the destination.
    /// </summary>
    private void MatVecExperts(CpuWeightTensor w, CpuBuffer src, CpuBuffer ids, CpuBuffer dst, int rowsPerExpert, int expertCount, bool inputPerChoice)
    {
        var used = ids.Columns;
        var activationType = w.Traits.ActivationType;
        var rowBytes = ActivationQuantizer.RowBytes(activationType, w.RowLength);
        var inputs = inputPerChoice ? used : 1;
        if (_expertActivations.Length < inputs * rowBytes) _expertActivations = new byte[inputs * rowBytes];
        for (int i = 0; i < inputs; i++)
            ActivationQuantizer.Quantize(activationType, src.Row(0).Slice(inputPerChoice ? i * w.RowLength : 0, w.RowLength),
                _expertActivations.AsSpan(i * rowBytes, rowBytes));
        var jobs = _matVec.Jobs(used);
        for (int j = 0; j < used; j++)
            jobs[j] = new MatVecJob(w.Expert(ExpertId(ids, j, expertCount), rowsPerExpert), inputPerChoice ? j * rowBytes : 0, rowBytes,
                dst.Data + (long)j * rowsPerExpert);
        _matVec.RunJobs(used, _expertActivations);
    }

    public void WeightedSumExperts(ComputeBuffer expertOutputs, ComputeBuffer expertWeights, ComputeBuffer destination)
    {
        var outputs = (CpuBuffer)expertOutputs;
        var weights = (CpuBuffer)expertWeights;
        var dst = (CpuBuffer)destination;
        var columns = dst.Columns;
        if (outputs.Columns != weights.Columns * columns || outputs.Rows != dst.Rows || weights.Rows != dst.Rows)
            throw new ArgumentException($"weighted sum of ({outputs.Rows}×{outputs.Columns}) by ({weights.Rows}×{weights.Columns}) into ({dst.Rows}×{columns})");
        for (int t = 0; t < dst.Rows; t++)
        {
            var row = dst.Row(t);
            var outputRow = outputs.Row(t);
            var weightRow = weights.Row(t);
            // Each product is rounded before the sum, as llama.cpp scales the expert outputs and then adds them.
            for (int c = 0; c < columns; c++) row[c] = outputRow[c] * weightRow[0];
            for (int j = 1; j < weights.Columns; j++)
            {
                var slice = outputRow.Slice(j * columns, columns);
                for (int c = 0; c < columns; c++) row[c] += slice[c] * weightRow[j];
            }
        }
    }

    /// <summary>Frees the expert scratch and the prefill tiles; called by the backend when it is disposed, since the step
    /// object lives as long as the backend and its Dispose runs after every forward pass.</summary>
    internal void ReleaseScratch()
    {
        _expertInputs?.Dispose();
        _expertResults?.Dispose();
        _expertInputs = _expertResults = null;
        _matMat.Dispose();
    }

    /// <summary>(rows × columns) over <paramref name="buffer"/>, which is replaced by a larger one when
    /// too small; kept for the step's life so that expert matmuls do not allocate per call.</summary>
    private static CpuBuffer Grown(ref CpuBuffer? buffer, int rows, int columns)
    {
        var needed = (long)rows * columns;
        if (buffer is null || (long)buffer.Rows * buffer.Columns < needed)
        {
            buffer?.Dispose();
            buffer = new CpuBuffer(1, (int)Math.Max(needed, 1));
        }
        return buffer.Reshape(rows, columns);
    }

    private static int ExpertId(CpuBuffer ids, int pair, int expertCount)
    {
        var value = ids.Data[pair];
        var id = (int)value;
        if (id != value || (uint)id >= (uint)expertCount)
            throw new ArgumentOutOfRangeException(nameof(ids), $"expert id {value} outside 0..{expertCount - 1}");
        return id;
    }
}
