using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Tests.Inference;

public class StopStringMatcherTests
{
    [Test]
    public void Stop_string_split_across_pieces_is_never_emitted()
    {
        var matcher = new StopStringMatcher(["\n\nUser:"]);
        var emitted = string.Concat(new[] { "Hello", " there\n", "\nUs", "er: more" }.Select(matcher.Append));
        Assert.That(emitted, Is.EqualTo("Hello there"));
        Assert.That(matcher.Stopped, Is.True);
    }

    [Test]
    public void Text_without_a_stop_comes_out_whole_after_flush() =>
        Prop.ForAll<string[]>(pieces =>
        {
            pieces = pieces.Where(p => p is not null).Select(p => p.Replace("END", "")).ToArray();
            var matcher = new StopStringMatcher(["END"]);
            var emitted = string.Concat(pieces.Select(matcher.Append)) + matcher.Flush();
            var whole = string.Concat(pieces);
            // Joining pieces may itself form "END" across a boundary; then the output stops before it.
            var at = whole.IndexOf("END", StringComparison.Ordinal);
            return emitted == (at >= 0 ? whole[..at] : whole);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Earliest_of_several_stop_strings_wins()
    {
        var matcher = new StopStringMatcher(["bb", "a"]);
        Assert.That(matcher.Append("xxbbya"), Is.EqualTo("xx"));
    }
}
