namespace Toasted.Engine.Compute.Cpu;

/// <summary>One matrix × vector of a <see cref="ParallelMatVec"/> call: the weight, where its activation row sits in the shared activation array, and where its results go.</summary>
internal readonly unsafe struct MatVecJob(CpuWeightTensor weight, int activationOffset, int activationBytes, float* destination)
{
    public CpuWeightTensor Weight { get; } = weight;
    public int ActivationOffset { get; } = activationOffset;
    public int ActivationBytes { get; } = activationBytes;
    public float* Destination { get; } = destination;
}
