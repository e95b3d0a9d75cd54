using System.Text;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary>Properties: what the test's own writer produces reads back to the same values, and no
/// corruption of a document makes the reader throw anything but ConfigurationFileException.</summary>
public class TomlReaderPropertyTests
{
    private static readonly Gen<int> CodePoint = Gen.Frequency(
        (8, Gen.Choose(0x20, 0x7E)),
        (2, Gen.Elements(0x22, 0x27, 0x5C, 0x0A, 0x09, 0x0D)),
        (1, Gen.Choose(0, 0x1F)),
        (1, Gen.Choose(0x7F, 0xFFFF)),
        (1, Gen.Choose(0x10000, 0x10FFFF))).Where(codePoint => codePoint is < 0xD800 or > 0xDFFF);

    private static readonly Gen<string> Text =
        Gen.Choose(0, 10).SelectMany(length => Gen.ArrayOf(CodePoint, length)).Select(points => string.Concat(points.Select(char.ConvertFromUtf32)));

    private static readonly Gen<string> BareKey =
        Gen.Choose(1, 6).SelectMany(length => Gen.ArrayOf(Gen.Elements("abqXZ09_-".ToCharArray()), length)).Select(chars => new string(chars));

    private static readonly Gen<string> Key = Gen.Frequency((3, BareKey), (1, Text));

    private static readonly Gen<long> Integer = Gen.OneOf(
        Gen.Choose(-1000, 1000).Select(n => (long)n),
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue)).Select(p => ((long)p.Item1 << 32) | (uint)p.Item2),
        Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L));

    private static readonly Gen<double> Float = Gen.OneOf(
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
            .Select(p => BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2)).Where(d => !double.IsNaN(d)),
        Gen.Choose(-100000, 100000).Select(n => n / 100.0),
        Gen.Elements(0.0, -0.0, 0.1, 1e300, 5e-324, double.PositiveInfinity, double.NegativeInfinity));

    private static readonly Gen<object> Scalar = Gen.OneOf(
        Text.Select(s => (object)s), Integer.Select(n => (object)n), Float.Select(d => (object)d), Gen.Elements<object>(true, false));

    private static Gen<object> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency((5, Scalar), (1, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Value(depth - 1), n)).Select(items => (object)items.ToList())));

    private static readonly Gen<IReadOnlyList<KeyValuePair<string, object>>> Pairs =
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Zip(Key, Value(2)), n))
            .Select(pairs => (IReadOnlyList<KeyValuePair<string, object>>)pairs.DistinctBy(pair => pair.Item1)
                .Select(pair => KeyValuePair.Create(pair.Item1, pair.Item2)).ToList());

    private static readonly Gen<TomlDocumentModel> Documents =
        Gen.Zip(Gen.Zip(Pairs, Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Zip(Key, Pairs), n))), Gen.Choose(0, int.MaxValue),
            (parts, seed) =>
            {
                var root = parts.Item1;
                var tables = parts.Item2;
                var rootKeys = root.Select(pair => pair.Key).ToHashSet(StringComparer.Ordinal);
                var distinctTables = tables.Where(table => !rootKeys.Contains(table.Item1)).DistinctBy(table => table.Item1)
                    .Select(table => KeyValuePair.Create(table.Item1, table.Item2)).ToList();
                return new TomlDocumentModel(root, distinctTables, seed);
            });

    [Test]
    public void Any_document_of_our_subset_reads_back_to_the_values_written()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(Documents.ToArbitrary(), document =>
        {
            var text = TomlDocumentSerializer.Write(document);
            TomlTable table;
            try
            {
                table = TomlReader.Read(Encoding.UTF8.GetBytes(text), "generated.toml");
            }
            catch (ConfigurationFileException error)
            {
                throw new AssertionException($"{error.Message}\n--- document ---\n{text}");
            }
            var expected = document.RootPairs.Select(pair => KeyValuePair.Create(pair.Key, pair.Value))
                .Concat(document.Tables.Select(t => KeyValuePair.Create(t.Key, (object)t.Value))).ToList();
            if (!SameTable(expected, table)) throw new AssertionException($"read back differently\n--- document ---\n{text}");
        }));
    }

    [Test]
    public void Corrupted_documents_are_read_or_refused_with_ConfigurationFileException_only()
    {
        var mutation = Gen.Zip(Gen.Zip(Gen.Choose(0, 4), Gen.Choose(0, int.MaxValue)), Gen.Elements<byte>(
            0x22, 0x27, 0x5B, 0x5D, 0x3D, 0x2E, 0x2C, 0x23, 0x5C, 0x0A, 0x0D, 0x00, 0x7F, 0xFF, 0xC3, 0xE2, 0xF0, 0x80, 0x30, 0x5F, 0x65, 0x78),
            (kindAndWhere, value) => new ByteMutation(kindAndWhere.Item1, kindAndWhere.Item2, value));
        var cases = Gen.Zip(Documents, Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(mutation, n)));
        var folder = Directory.CreateTempSubdirectory("toasted-toml-").FullName;
        var outcomes = new int[2];
        try
        {
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(600), Prop.ForAll(cases.ToArbitrary(), testCase =>
            {
                var document = testCase.Item1;
                var mutations = testCase.Item2;
                var bytes = new List<byte>(Encoding.UTF8.GetBytes(TomlDocumentSerializer.Write(document)));
                foreach (var mutation in mutations) Mutate(bytes, mutation);
                var path = Path.Combine(folder, "mutated.toml");
                File.WriteAllBytes(path, [.. bytes]);
                try
                {
                    TomlReader.Read(bytes.ToArray(), path);
                    new TomlConfigurationProvider(new TomlConfigurationSource { Path = path }).Load();
                    outcomes[1]++;
                }
                catch (ConfigurationFileException error)
                {
                    if (error.Line < 1 || error.Column < 1) throw new AssertionException("an error without a position: " + error.Message);
                    outcomes[0]++;
                }
            }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        TestContext.Out.WriteLine($"read {outcomes[1]}, refused {outcomes[0]}");
        Assert.That(outcomes[0], Is.GreaterThan(50), "mutations must break documents, or the property proves nothing");
    }

    private sealed record ByteMutation(int Kind, int Where, byte Value);

    private static void Mutate(List<byte> bytes, ByteMutation mutation)
    {
        var (kind, where, value) = mutation;
        if (bytes.Count == 0)
        {
            bytes.Add(value);
            return;
        }
        var at = where % bytes.Count;
        switch (kind)
        {
            case 0: bytes[at] ^= (byte)(1 << (where % 8)); break;
            case 1: bytes[at] = value; break;
            case 2: bytes.Insert(at, value); break;
            case 3: bytes.RemoveAt(at); break;
            default: bytes.RemoveRange(at, bytes.Count - at); break;
        }
    }

    private static bool SameTable(IReadOnlyList<KeyValuePair<string, object>> expected, TomlTable actual) =>
        expected.Select(pair => pair.Key).SequenceEqual(actual.Keys)
        && expected.All(pair => SameValue(pair.Value, actual[pair.Key]));

    private static bool SameValue(object expected, object actual) => (expected, actual) switch
    {
        (string e, string a) => string.Equals(e, a, StringComparison.Ordinal),
        (long e, long a) => e == a,
        (double e, double a) => BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a),
        (bool e, bool a) => e == a,
        (List<object> e, IReadOnlyList<object> a) => e.Count == a.Count && e.Zip(a).All(pair => SameValue(pair.First, pair.Second)),
        (IReadOnlyList<KeyValuePair<string, object>> e, TomlTable a) => SameTable(e, a),
        _ => false,
    };
}
