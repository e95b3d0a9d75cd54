using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The three steps of <see cref="AttentionTile"/> on float blocks: scores, softmax, weighted sum.
/// Every matrix is laid out with the tile's query rows innermost ([position][row], [dimension][row]),
/// so one vector holds one element of many query rows, keys and values are broadcast one element
/// at a time, and no horizontal sum is ever needed.
/// </summary>
internal unsafe interface IAttentionTileKernels
{
    /// <summary>scores[p·rows + r] = scale · Σ_d keys[p·headDim + d] · queriesT[d·rows + r], the sum
    /// taken in order of d with fused multiply-adds.</summary>
    static abstract void Scores(float* keys, int positions, float* queriesT, int rows, int headDim, float scale, float* scores);

    /// <summary>Each row r of scores[p·rows + r], p in [0, positions), becomes its softmax rounded
    /// to F16: exponentials relative to the row's maximum, summed in double in order of p.</summary>
    static abstract void Softmax(float* scores, int positions, int rows);

    /// <summary>outputT[d·rows + r] += Σ_p values[d·dimensionStride + p·positionStride] · weights[p·rows + r], continuing
    /// the running sum in order of p with fused multiply-adds.</summary>
    static abstract void WeightedSum(float* values, int dimensionStride, int positionStride, int positions, float* weights, int rows, int headDim, float* outputT);
}

/// <summary>
/// The vector kernels, for one width. Rows must be a multiple of the vector length. The register
/// tiles: four keys × two row vectors for the scores, four dimensions × two row vectors for the
/// weighted sum; eight accumulators hide the multiply-add latency and each broadcast element
/// feeds two vectors. Each lane's arithmetic is the scalar twin's in the same order, so the two
/// agree to the bit.
/// </summary>
internal readonly unsafe struct VectorAttentionTileKernels<TLanes, TVector> : IAttentionTileKernels
    where TLanes : struct, IFloatLanes<TVector>
    where TVector : struct
{
    public static void Scores(float* keys, int positions, float* queriesT, int rows, int headDim, float scale, float* scores)
    {
        var width = TLanes.Count;
        var factor = TLanes.Broadcast(scale);
        int r = 0;
        for (; r + 2 * width <= rows; r += 2 * width)
        {
            int p = 0;
            if (TLanes.HasThirtyTwoRegisters)
                for (; p + 8 <= positions; p += 8)
                    EightKeysTwoVectors(keys + (long)p * headDim, headDim, queriesT + r, rows, factor, scores + (long)p * rows + r);
            for (; p + 4 <= positions; p += 4)
            {
                var k0 = keys + (long)p * headDim;
                var k1 = k0 + headDim;
                var k2 = k1 + headDim;
                var k3 = k2 + headDim;
                TVector a00 = TLanes.Zero, a01 = TLanes.Zero, a10 = TLanes.Zero, a11 = TLanes.Zero;
                TVector a20 = TLanes.Zero, a21 = TLanes.Zero, a30 = TLanes.Zero, a31 = TLanes.Zero;
                var q = queriesT + r;
                for (int d = 0; d < headDim; d++, q += rows)
                {
                    var q0 = TLanes.Load(q);
                    var q1 = TLanes.Load(q + width);
                    var b = TLanes.Broadcast(k0[d]);
                    a00 = TLanes.MultiplyAdd(b, q0, a00);
                    a01 = TLanes.MultiplyAdd(b, q1, a01);
                    b = TLanes.Broadcast(k1[d]);
                    a10 = TLanes.MultiplyAdd(b, q0, a10);
                    a11 = TLanes.MultiplyAdd(b, q1, a11);
                    b = TLanes.Broadcast(k2[d]);
                    a20 = TLanes.MultiplyAdd(b, q0, a20);
                    a21 = TLanes.MultiplyAdd(b, q1, a21);
                    b = TLanes.Broadcast(k3[d]);
                    a30 = TLanes.MultiplyAdd(b, q0, a30);
                    a31 = TLanes.MultiplyAdd(b, q1, a31);
                }
                var s = scores + (long)p * rows + r;
                TLanes.Store(TLanes.Multiply(a00, factor), s);
                TLanes.Store(TLanes.Multiply(a01, factor), s + width);
                s += rows;
                TLanes.Store(TLanes.Multiply(a10, factor), s);
                TLanes.Store(TLanes.Multiply(a11, factor), s + width);
                s += rows;
                TLanes.Store(TLanes.Multiply(a20, factor), s);
                TLanes.Store(TLanes.Multiply(a21, factor), s + width);
                s += rows;
                TLanes.Store(TLanes.Multiply(a30, factor), s);
                TLanes.Store(TLanes.Multiply(a31, factor), s + width);
            }
            for (; p < positions; p++)
            {
                var k = keys + (long)p * headDim;
                TVector a0 = TLanes.Zero, a1 = TLanes.Zero;
                var q = queriesT + r;
                for (int d = 0; d < headDim; d++, q += rows)
                {
                    var b = TLanes.Broadcast(k[d]);
                    a0 = TLanes.MultiplyAdd(b, TLanes.Load(q), a0);
                    a1 = TLanes.MultiplyAdd(b, TLanes.Load(q + width), a1);
                }
                var s = scores + (long)p * rows + r;
                TLanes.Store(TLanes.Multiply(a0, factor), s);
                TLanes.Store(TLanes.Multiply(a1, factor), s + width);
            }
        }
        for (; r < rows; r += width)
        {
            int p = 0;
            for (; p + 8 <= positions; p += 8)
                EightKeysOneVector(keys + (long)p * headDim, headDim, queriesT + r, rows, factor, scores + (long)p * rows + r);
            for (; p + 4 <= positions; p += 4)
            {
                var k0 = keys + (long)p * headDim;
                var k1 = k0 + headDim;
                var k2 = k1 + headDim;
                var k3 = k2 + headDim;
                TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
                var q = queriesT + r;
                for (int d = 0; d < headDim; d++, q += rows)
                {
                    var q0 = TLanes.Load(q);
                    a0 = TLanes.MultiplyAdd(TLanes.Broadcast(k0[d]), q0, a0);
                    a1 = TLanes.MultiplyAdd(TLanes.Broadcast(k1[d]), q0, a1);
                    a2 = TLanes.MultiplyAdd(TLanes.Broadcast(k2[d]), q0, a2);
                    a3 = TLanes.MultiplyAdd(TLanes.Broadcast(k3[d]), q0, a3);
                }
                var s = scores + (long)p * rows + r;
                TLanes.Store(TLanes.Multiply(a0, factor), s);
                TLanes.Store(TLanes.Multiply(a1, factor), s + rows);
                TLanes.Store(TLanes.Multiply(a2, factor), s + 2 * rows);
                TLanes.Store(TLanes.Multiply(a3, factor), s + 3 * rows);
            }
            for (; p < positions; p++)
            {
                var k = keys + (long)p * headDim;
                var a = TLanes.Zero;
                var q = queriesT + r;
                for (int d = 0; d < headDim; d++, q += rows)
                    a = TLanes.MultiplyAdd(TLanes.Broadcast(k[d]), TLanes.Load(q), a);
                TLanes.Store(TLanes.Multiply(a, factor), scores + (long)p * rows + r);
            }
        }
    }

    public static void Softmax(float* scores, int positions, int rows)
    {
        for (int r = 0; r < rows; r += TLanes.Count)
        {
            var column = scores + r;
            var max = TLanes.NegativeInfinity;
            for (int p = 0; p < positions; p++)
                max = TLanes.Max(max, TLanes.Load(column + (long)p * rows));
            TVector lower = TLanes.Zero, upper = TLanes.Zero;
            for (int p = 0; p < positions; p++)
            {
                var cell = column + (long)p * rows;
                var e = TLanes.Exp(TLanes.Subtract(TLanes.Load(cell), max));
                TLanes.Store(e, cell);
                TLanes.AddInDouble(e, ref lower, ref upper);
            }
            var inverse = TLanes.ReciprocalOfDouble(lower, upper);
            for (int p = 0; p < positions; p++)
            {
                var cell = column + (long)p * rows;
                TLanes.Store(TLanes.RoundNonNegativeToHalf(TLanes.Multiply(TLanes.Load(cell), inverse)), cell);
            }
        }
    }

    public static void WeightedSum(float* values, int dimensionStride, int positionStride, int positions, float* weights, int rows, int headDim, float* outputT)
    {
        var width = TLanes.Count;
        int r = 0;
        for (; r + 2 * width <= rows; r += 2 * width)
        {
            int d = 0;
            if (TLanes.HasThirtyTwoRegisters)
                for (; d + 8 <= headDim; d += 8)
                    EightDimensionsTwoVectors(values + (long)d * dimensionStride, dimensionStride, positionStride, positions, weights + r, rows, outputT + (long)d * rows + r);
            for (; d + 4 <= headDim; d += 4)
            {
                var v0 = values + (long)d * dimensionStride;
                var v1 = v0 + dimensionStride;
                var v2 = v1 + dimensionStride;
                var v3 = v2 + dimensionStride;
                var o = outputT + (long)d * rows + r;
                TVector a00 = TLanes.Load(o), a01 = TLanes.Load(o + width);
                TVector a10 = TLanes.Load(o + rows), a11 = TLanes.Load(o + rows + width);
                TVector a20 = TLanes.Load(o + 2 * rows), a21 = TLanes.Load(o + 2 * rows + width);
                TVector a30 = TLanes.Load(o + 3 * rows), a31 = TLanes.Load(o + 3 * rows + width);
                var w = weights + r;
                for (nint p = 0, at = 0; p < positions; p++, w += rows, at += positionStride)
                {
                    var w0 = TLanes.Load(w);
                    var w1 = TLanes.Load(w + width);
                    var b = TLanes.Broadcast(v0[at]);
                    a00 = TLanes.MultiplyAdd(b, w0, a00);
                    a01 = TLanes.MultiplyAdd(b, w1, a01);
                    b = TLanes.Broadcast(v1[at]);
                    a10 = TLanes.MultiplyAdd(b, w0, a10);
                    a11 = TLanes.MultiplyAdd(b, w1, a11);
                    b = TLanes.Broadcast(v2[at]);
                    a20 = TLanes.MultiplyAdd(b, w0, a20);
                    a21 = TLanes.MultiplyAdd(b, w1, a21);
                    b = TLanes.Broadcast(v3[at]);
                    a30 = TLanes.MultiplyAdd(b, w0, a30);
                    a31 = TLanes.MultiplyAdd(b, w1, a31);
                }
                TLanes.Store(a00, o);
                TLanes.Store(a01, o + width);
                TLanes.Store(a10, o + rows);
                TLanes.Store(a11, o + rows + width);
                TLanes.Store(a20, o + 2 * rows);
                TLanes.Store(a21, o + 2 * rows + width);
                TLanes.Store(a30, o + 3 * rows);
                TLanes.Store(a31, o + 3 * rows + width);
            }
            for (; d < headDim; d++)
            {
                var v = values + (long)d * dimensionStride;
                var o = outputT + (long)d * rows + r;
                TVector a0 = TLanes.Load(o), a1 = TLanes.Load(o + width);
                var w = weights + r;
                for (nint p = 0, at = 0; p < positions; p++, w += rows, at += positionStride)
                {
                    var b = TLanes.Broadcast(v[at]);
                    a0 = TLanes.MultiplyAdd(b, TLanes.Load(w), a0);
                    a1 = TLanes.MultiplyAdd(b, TLanes.Load(w + width), a1);
                }
                TLanes.Store(a0, o);
                TLanes.Store(a1, o + width);
            }
        }
        for (; r < rows; r += width)
        {
            int d = 0;
            for (; d + 8 <= headDim; d += 8)
                EightDimensionsOneVector(values + (long)d * dimensionStride, dimensionStride, positionStride, positions, weights + r, rows, outputT + (long)d * rows + r);
            for (; d + 4 <= headDim; d += 4)
            {
                var v0 = values + (long)d * dimensionStride;
                var v1 = v0 + dimensionStride;
                var v2 = v1 + dimensionStride;
                var v3 = v2 + dimensionStride;
                var o = outputT + (long)d * rows + r;
                TVector a0 = TLanes.Load(o), a1 = TLanes.Load(o + rows), a2 = TLanes.Load(o + 2 * rows), a3 = TLanes.Load(o + 3 * rows);
                var w = weights + r;
                for (nint p = 0, at = 0; p < positions; p++, w += rows, at += positionStride)
                {
                    var w0 = TLanes.Load(w);
                    a0 = TLanes.MultiplyAdd(TLanes.Broadcast(v0[at]), w0, a0);
                    a1 = TLanes.MultiplyAdd(TLanes.Broadcast(v1[at]), w0, a1);
                    a2 = TLanes.MultiplyAdd(TLanes.Broadcast(v2[at]), w0, a2);
                    a3 = TLanes.MultiplyAdd(TLanes.Broadcast(v3[at]), w0, a3);
                }
                TLanes.Store(a0, o);
                TLanes.Store(a1, o + rows);
                TLanes.Store(a2, o + 2 * rows);
                TLanes.Store(a3, o + 3 * rows);
            }
            for (; d < headDim; d++)
            {
                var v = values + (long)d * dimensionStride;
                var o = outputT + (long)d * rows + r;
                var a = TLanes.Load(o);
                var w = weights + r;
                for (nint p = 0, at = 0; p < positions; p++, w += rows, at += positionStride)
                    a = TLanes.MultiplyAdd(TLanes.Broadcast(v[at]), TLanes.Load(w), a);
                TLanes.Store(a, o);
            }
        }
    }
    /// <summary>Scores of eight keys for one row vector (a decode tile of eight query heads): eight
    /// independent accumulators keep both multiply-add pipes busy, where four would wait on their latency.</summary>
    private static void EightKeysOneVector(float* keys, int headDim, float* queriesT, int rows, TVector factor, float* scores)
    {
        TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
        TVector a4 = TLanes.Zero, a5 = TLanes.Zero, a6 = TLanes.Zero, a7 = TLanes.Zero;
        var q = queriesT;
        var k = keys;
        nint s1 = headDim, s2 = 2 * s1, s3 = 3 * s1, s4 = 4 * s1, s5 = 5 * s1, s6 = 6 * s1, s7 = 7 * s1;
        nint step = rows;
        for (int d = 0; d < headDim; d++, q += step, k++)
        {
            var q0 = TLanes.Load(q);
            a0 = TLanes.MultiplyAdd(TLanes.Broadcast(k[0]), q0, a0);
            a1 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s1]), q0, a1);
            a2 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s2]), q0, a2);
            a3 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s3]), q0, a3);
            a4 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s4]), q0, a4);
            a5 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s5]), q0, a5);
            a6 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s6]), q0, a6);
            a7 = TLanes.MultiplyAdd(TLanes.Broadcast(k[s7]), q0, a7);
        }
        var s = scores;
        TLanes.Store(TLanes.Multiply(a0, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a1, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a2, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a3, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a4, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a5, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a6, factor), s); s += rows;
        TLanes.Store(TLanes.Multiply(a7, factor), s);
    }

    /// <summary>The weighted sum of eight dimensions for one row vector, eight accumulators (as <see cref="EightKeysOneVector"/>).</summary>
    private static void EightDimensionsOneVector(float* values, int dimensionStride, int positionStride, int positions, float* weights, int rows, float* outputT)
    {
        nint stride = dimensionStride, step = rows;
        float* o0 = outputT, o1 = o0 + step, o2 = o1 + step, o3 = o2 + step, o4 = o3 + step, o5 = o4 + step, o6 = o5 + step, o7 = o6 + step;
        TVector a0 = TLanes.Load(o0), a1 = TLanes.Load(o1), a2 = TLanes.Load(o2), a3 = TLanes.Load(o3);
        TVector a4 = TLanes.Load(o4), a5 = TLanes.Load(o5), a6 = TLanes.Load(o6), a7 = TLanes.Load(o7);
        var v = values;
        var w = weights;
        for (int p = 0; p < positions; p++, w += step, v += positionStride)
        {
            var w0 = TLanes.Load(w);
            a0 = TLanes.MultiplyAdd(TLanes.Broadcast(v[0]), w0, a0);
            a1 = TLanes.MultiplyAdd(TLanes.Broadcast(v[stride]), w0, a1);
            a2 = TLanes.MultiplyAdd(TLanes.Broadcast(v[2 * stride]), w0, a2);
            a3 = TLanes.MultiplyAdd(TLanes.Broadcast(v[3 * stride]), w0, a3);
            a4 = TLanes.MultiplyAdd(TLanes.Broadcast(v[4 * stride]), w0, a4);
            a5 = TLanes.MultiplyAdd(TLanes.Broadcast(v[5 * stride]), w0, a5);
            a6 = TLanes.MultiplyAdd(TLanes.Broadcast(v[6 * stride]), w0, a6);
            a7 = TLanes.MultiplyAdd(TLanes.Broadcast(v[7 * stride]), w0, a7);
        }
        TLanes.Store(a0, o0); TLanes.Store(a1, o1); TLanes.Store(a2, o2); TLanes.Store(a3, o3);
        TLanes.Store(a4, o4); TLanes.Store(a5, o5); TLanes.Store(a6, o6); TLanes.Store(a7, o7);
    }

    /// <summary>Scores of eight keys for two row vectors: sixteen accumulators, for the 32
    /// registers of AVX-512, so that each pair of query loads feeds sixteen multiply-adds.</summary>
    private static void EightKeysTwoVectors(float* keys, int headDim, float* queriesT, int rows, TVector factor, float* scores)
    {
        var width = TLanes.Count;
        TVector a00 = TLanes.Zero, a01 = TLanes.Zero, a10 = TLanes.Zero, a11 = TLanes.Zero;
        TVector a20 = TLanes.Zero, a21 = TLanes.Zero, a30 = TLanes.Zero, a31 = TLanes.Zero;
        TVector a40 = TLanes.Zero, a41 = TLanes.Zero, a50 = TLanes.Zero, a51 = TLanes.Zero;
        TVector a60 = TLanes.Zero, a61 = TLanes.Zero, a70 = TLanes.Zero, a71 = TLanes.Zero;
        var q = queriesT;
        var k = keys;
        // Offsets of the eight keys as native integers computed once, so the loop addresses them
        // with no index arithmetic.
        nint s1 = headDim, s2 = 2 * s1, s3 = 3 * s1, s4 = 4 * s1, s5 = 5 * s1, s6 = 6 * s1, s7 = 7 * s1;
        nint step = rows;
        for (int d = 0; d < headDim; d++, q += step, k++)
        {
            var q0 = TLanes.Load(q);
            var q1 = TLanes.Load(q + width);
            var b = TLanes.Broadcast(k[0]);
            a00 = TLanes.MultiplyAdd(b, q0, a00);
            a01 = TLanes.MultiplyAdd(b, q1, a01);
            b = TLanes.Broadcast(k[s1]);
            a10 = TLanes.MultiplyAdd(b, q0, a10);
            a11 = TLanes.MultiplyAdd(b, q1, a11);
            b = TLanes.Broadcast(k[s2]);
            a20 = TLanes.MultiplyAdd(b, q0, a20);
            a21 = TLanes.MultiplyAdd(b, q1, a21);
            b = TLanes.Broadcast(k[s3]);
            a30 = TLanes.MultiplyAdd(b, q0, a30);
            a31 = TLanes.MultiplyAdd(b, q1, a31);
            b = TLanes.Broadcast(k[s4]);
            a40 = TLanes.MultiplyAdd(b, q0, a40);
            a41 = TLanes.MultiplyAdd(b, q1, a41);
            b = TLanes.Broadcast(k[s5]);
            a50 = TLanes.MultiplyAdd(b, q0, a50);
            a51 = TLanes.MultiplyAdd(b, q1, a51);
            b = TLanes.Broadcast(k[s6]);
            a60 = TLanes.MultiplyAdd(b, q0, a60);
            a61 = TLanes.MultiplyAdd(b, q1, a61);
            b = TLanes.Broadcast(k[s7]);
            a70 = TLanes.MultiplyAdd(b, q0, a70);
            a71 = TLanes.MultiplyAdd(b, q1, a71);
        }
        var s = scores;
        TLanes.Store(TLanes.Multiply(a00, factor), s); TLanes.Store(TLanes.Multiply(a01, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a10, factor), s); TLanes.Store(TLanes.Multiply(a11, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a20, factor), s); TLanes.Store(TLanes.Multiply(a21, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a30, factor), s); TLanes.Store(TLanes.Multiply(a31, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a40, factor), s); TLanes.Store(TLanes.Multiply(a41, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a50, factor), s); TLanes.Store(TLanes.Multiply(a51, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a60, factor), s); TLanes.Store(TLanes.Multiply(a61, factor), s + width); s += rows;
        TLanes.Store(TLanes.Multiply(a70, factor), s); TLanes.Store(TLanes.Multiply(a71, factor), s + width);
    }

    /// <summary>The weighted sum of eight dimensions for two row vectors, sixteen accumulators
    /// (AVX-512 only, as <see cref="EightKeysTwoVectors"/>).</summary>
    private static void EightDimensionsTwoVectors(float* values, int dimensionStride, int positionStride, int positions, float* weights, int rows, float* outputT)
    {
        var width = TLanes.Count;
        var o = outputT;
        TVector a00 = TLanes.Load(o), a01 = TLanes.Load(o + width); o += rows;
        TVector a10 = TLanes.Load(o), a11 = TLanes.Load(o + width); o += rows;
        TVector a20 = TLanes.Load(o), a21 = TLanes.Load(o + width); o += rows;
        TVector a30 = TLanes.Load(o), a31 = TLanes.Load(o + width); o += rows;
        TVector a40 = TLanes.Load(o), a41 = TLanes.Load(o + width); o += rows;
        TVector a50 = TLanes.Load(o), a51 = TLanes.Load(o + width); o += rows;
        TVector a60 = TLanes.Load(o), a61 = TLanes.Load(o + width); o += rows;
        TVector a70 = TLanes.Load(o), a71 = TLanes.Load(o + width);
        var w = weights;
        var v = values;
        nint s1 = dimensionStride, s2 = 2 * s1, s3 = 3 * s1, s4 = 4 * s1, s5 = 5 * s1, s6 = 6 * s1, s7 = 7 * s1;
        nint step = rows;
        for (int p = 0; p < positions; p++, w += step, v += positionStride)
        {
            var w0 = TLanes.Load(w);
            var w1 = TLanes.Load(w + width);
            var b = TLanes.Broadcast(v[0]);
            a00 = TLanes.MultiplyAdd(b, w0, a00);
            a01 = TLanes.MultiplyAdd(b, w1, a01);
            b = TLanes.Broadcast(v[s1]);
            a10 = TLanes.MultiplyAdd(b, w0, a10);
            a11 = TLanes.MultiplyAdd(b, w1, a11);
            b = TLanes.Broadcast(v[s2]);
            a20 = TLanes.MultiplyAdd(b, w0, a20);
            a21 = TLanes.MultiplyAdd(b, w1, a21);
            b = TLanes.Broadcast(v[s3]);
            a30 = TLanes.MultiplyAdd(b, w0, a30);
            a31 = TLanes.MultiplyAdd(b, w1, a31);
            b = TLanes.Broadcast(v[s4]);
            a40 = TLanes.MultiplyAdd(b, w0, a40);
            a41 = TLanes.MultiplyAdd(b, w1, a41);
            b = TLanes.Broadcast(v[s5]);
            a50 = TLanes.MultiplyAdd(b, w0, a50);
            a51 = TLanes.MultiplyAdd(b, w1, a51);
            b = TLanes.Broadcast(v[s6]);
            a60 = TLanes.MultiplyAdd(b, w0, a60);
            a61 = TLanes.MultiplyAdd(b, w1, a61);
            b = TLanes.Broadcast(v[s7]);
            a70 = TLanes.MultiplyAdd(b, w0, a70);
            a71 = TLanes.MultiplyAdd(b, w1, a71);
        }
        o = outputT;
        TLanes.Store(a00, o); TLanes.Store(a01, o + width); o += rows;
        TLanes.Store(a10, o); TLanes.Store(a11, o + width); o += rows;
        TLanes.Store(a20, o); TLanes.Store(a21, o + width); o += rows;
        TLanes.Store(a30, o); TLanes.Store(a31, o + width); o += rows;
        TLanes.Store(a40, o); TLanes.Store(a41, o + width); o += rows;
        TLanes.Store(a50, o); TLanes.Store(a51, o + width); o += rows;
        TLanes.Store(a60, o); TLanes.Store(a61, o + width); o += rows;
        TLanes.Store(a70, o); TLanes.Store(a71, o + width);
    }
}

/// <summary>The scalar twins: the reference the vector kernels are tested against, and the path
/// when no vector hardware is enabled.</summary>
internal readonly unsafe struct ScalarAttentionTileKernels : IAttentionTileKernels
{
    public static void Scores(float* keys, int positions, float* queriesT, int rows, int headDim, float scale, float* scores)
    {
        for (int p = 0; p < positions; p++)
            for (int r = 0; r < rows; r++)
            {
                float sum = 0;
                for (int d = 0; d < headDim; d++)
                    sum = MathF.FusedMultiplyAdd(keys[(long)p * headDim + d], queriesT[(long)d * rows + r], sum);
                scores[(long)p * rows + r] = sum * scale;
            }
    }

    public static void Softmax(float* scores, int positions, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            var max = float.NegativeInfinity;
            for (int p = 0; p < positions; p++) max = MathF.Max(max, scores[(long)p * rows + r]);
            double sum = 0;
            for (int p = 0; p < positions; p++)
            {
                var e = VectorExp.Exp(scores[(long)p * rows + r] - max);
                scores[(long)p * rows + r] = e;
                sum += e;
            }
            var inverse = (float)(1.0 / sum);
            for (int p = 0; p < positions; p++)
                scores[(long)p * rows + r] = Float16Bits.ToSingle(Float16Bits.FromSingle(scores[(long)p * rows + r] * inverse));
        }
    }

    public static void WeightedSum(float* values, int dimensionStride, int positionStride, int positions, float* weights, int rows, int headDim, float* outputT)
    {
        for (int d = 0; d < headDim; d++)
            for (int r = 0; r < rows; r++)
            {
                var sum = outputT[(long)d * rows + r];
                for (int p = 0; p < positions; p++)
                    sum = MathF.FusedMultiplyAdd(values[(long)d * dimensionStride + (long)p * positionStride], weights[(long)p * rows + r], sum);
                outputT[(long)d * rows + r] = sum;
            }
    }
}
