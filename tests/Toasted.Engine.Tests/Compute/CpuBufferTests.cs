using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

public class CpuBufferTests
{
    [Test]
    public void A_reshaped_view_slices_by_its_own_row_length()
    {
        using var buffer = new CpuBuffer(1, 12);
        for (int i = 0; i < 12; i++) buffer.All[i] = i;
        var view = buffer.Reshape(3, 4);
        var rows = (CpuBuffer)view.Slice(1, 2);
        Assert.That(rows.Columns, Is.EqualTo(4));
        Assert.That(rows.Row(1).ToArray(), Is.EqualTo(new float[] { 8, 9, 10, 11 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Reshape(4, 4));
    }
}
