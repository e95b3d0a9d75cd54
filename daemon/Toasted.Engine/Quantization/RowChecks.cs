namespace Toasted.Engine.Quantization;

/// <summary>Argument checks done once per row, so that the kernels' inner loops can run without bounds checks.</summary>
internal static class RowChecks
{
    public static int BlockCount(int length, int blockSize)
    {
        if (length < 0 || length % blockSize != 0)
            throw new ArgumentException($"row length {length} is not a whole number of blocks of {blockSize}");
        return length / blockSize;
    }

    public static void Bytes(ReadOnlySpan<byte> row, long needed, string what)
    {
        if (row.Length < needed)
            throw new ArgumentException($"{what} has {row.Length} bytes, {needed} needed");
    }

    public static void Floats(int available, int needed, string what)
    {
        if (available < needed)
            throw new ArgumentException($"{what} has {available} elements, {needed} needed");
    }
}
