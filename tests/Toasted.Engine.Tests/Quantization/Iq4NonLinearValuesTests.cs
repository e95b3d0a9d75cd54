using System.Runtime.Intrinsics;
using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The split of ggml's kvalues_iq4nl into two unsigned nibbles that the interleaved IQ4 kernels multiply: written out as
/// constants in the kernels' tables, checked here against the levels themselves in every lane of every width.
/// </summary>
[Category("Kernels")]
public class Iq4NonLinearValuesTests
{
    [Test]
    public void Every_level_is_sixteen_high_nibbles_plus_low_nibble_minus_128()
    {
        var levels = Iq4NonLinearValues.Levels;
        var high512 = Iq4NonLinearValues.HighNibbles512();
        var low512 = Iq4NonLinearValues.LowNibbles512();
        var high256 = Iq4NonLinearValues.HighNibbles256();
        var low256 = Iq4NonLinearValues.LowNibbles256();
        for (int lane = 0; lane < 64; lane++)
        {
            int code = lane % 16;
            int h = high512.GetElement(lane), l = low512.GetElement(lane);
            Assert.That(h, Is.InRange(0, 15), $"H of code {code}");
            Assert.That(l, Is.InRange(0, 15), $"L of code {code}");
            Assert.That(16 * h + l - 128, Is.EqualTo((int)levels[code]), $"code {code}, lane {lane}");
            if (lane < 32)
            {
                Assert.That(high256.GetElement(lane), Is.EqualTo(h), $"256-bit H, lane {lane}");
                Assert.That(low256.GetElement(lane), Is.EqualTo(l), $"256-bit L, lane {lane}");
            }
        }
    }
}
