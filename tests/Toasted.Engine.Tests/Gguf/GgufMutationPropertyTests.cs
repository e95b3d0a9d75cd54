using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Gguf;

/// <summary>
/// Property: whatever is done to the bytes of a valid model file, opening it either succeeds or
/// raises <see cref="GgufFormatException"/> — never another exception, a crash or a hang.
/// </summary>
public class GgufMutationPropertyTests
{
    private static readonly TimeSpan OpenTimeLimit = TimeSpan.FromSeconds(1);

    // Values that break parsers: all-ones, sign bits, powers of two at type widths, and small
    // numbers that are valid value types, n_dims or lengths in the wrong place.
    private static readonly ulong[] ExtremeValues =
    [
        0, 1, 2, 5, 8, 9, 13, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        1UL << 32, 1UL << 62, 0x7FFF_FFFF_FFFF_FFFF, 1UL << 63, ulong.MaxValue,
    ];

    private ScratchFolder _scratch = null!;
    private byte[] _model = null!;

    [SetUp]
    public void BuildModel()
    {
        _scratch = new ScratchFolder();
        _model = SmallModel();
        // Open once so the time guard below does not measure first-call compilation.
        GgufFile.Open(_scratch.Write("warm.gguf", _model)).Dispose();
    }

    [TearDown] public void DeleteScratch() => _scratch.Dispose();

    [Test]
    public void Mutated_model_either_opens_or_raises_a_typed_error_within_a_second()
    {
        CheckMutations(_model, mutableLength: _model.Length, cases: 600);
    }

    [Test]
    public void Real_model_with_a_mutated_header_either_opens_or_raises_a_typed_error_within_a_second()
    {
        var real = File.ReadAllBytes(SharedKit.Require("corpus/real/stories260K.gguf"));
        using var file = GgufFile.Open(SharedKit.Require("corpus/real/stories260K.gguf"));
        CheckMutations(real, mutableLength: (int)file.DataOffset, cases: 150);
    }

    private void CheckMutations(byte[] model, int mutableLength, int cases)
    {
        var maxOpen = TimeSpan.Zero;
        var outcomes = new int[2];
        var property = Prop.ForAll(Arb.From(MutationsOf(mutableLength)), (Mutation[] mutations) =>
        {
            var bytes = model;
            foreach (var m in mutations) bytes = m.ApplyTo(bytes);
            var path = _scratch.Write("mutated.gguf", bytes);

            var clock = Stopwatch.StartNew();
            var opened = OpensOrRaisesTypedError(path);
            clock.Stop();
            outcomes[opened ? 1 : 0]++;
            if (clock.Elapsed > maxOpen) maxOpen = clock.Elapsed;
            if (clock.Elapsed > OpenTimeLimit)
                throw new TimeoutException($"open took {clock.Elapsed.TotalMilliseconds:F0} ms");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases), property);

        TestContext.Out.WriteLine($"opened {outcomes[1]}, refused {outcomes[0]}, slowest open {maxOpen.TotalMilliseconds:F1} ms");
        Assert.That(outcomes[0], Is.GreaterThan(0), "mutations must reach the header, or the property proves nothing");
    }

    /// <summary>True when the file opened (and every view was read), false for a typed refusal.</summary>
    private static bool OpensOrRaisesTypedError(string path)
    {
        try
        {
            using var file = GgufFile.Open(path);
            long sum = 0;
            foreach (var t in file.Tensors)
            {
                foreach (var b in file.GetTensorBytes(t)) sum += b;
            }
            foreach (var value in file.Metadata.Values.Values) sum += value.ToString().Length;
            return sum >= 0;
        }
        catch (GgufFormatException)
        {
            return false;
        }
    }

    private static Gen<Mutation[]> MutationsOf(int length)
    {
        var position = Gen.Choose(0, length);
        var word = Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
            .Select(p => ((ulong)(uint)p.Item1 << 32) | (uint)p.Item2);
        var value = Gen.Frequency((3, Gen.Elements(ExtremeValues)), (1, word));
        var width = Gen.Elements(1, 2, 4, 8);
        var mutation = Gen.OneOf(
            Gen.Zip(position, Gen.Choose(0, 7)).Select(p => new Mutation(MutationKind.FlipBit, p.Item1, (ulong)p.Item2, 1)),
            Gen.Zip(Gen.Zip(position, value), width, (pv, w) => new Mutation(MutationKind.Overwrite, pv.Item1, pv.Item2, w)),
            position.Select(p => new Mutation(MutationKind.Truncate, p, 0, 0)),
            Gen.Zip(Gen.Zip(position, value), width, (pv, w) => new Mutation(MutationKind.Insert, pv.Item1, pv.Item2, w)),
            Gen.Zip(position, Gen.Choose(1, 64)).Select(p => new Mutation(MutationKind.Delete, p.Item1, 0, p.Item2)));
        return Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(mutation, n));
    }

    private enum MutationKind { FlipBit, Overwrite, Truncate, Insert, Delete }

    /// <summary>One edit of a file; positions past the end of a shortened file wrap around.</summary>
    private sealed record Mutation(MutationKind Kind, int Position, ulong Value, int Width)
    {
        public byte[] ApplyTo(byte[] bytes)
        {
            var at = bytes.Length == 0 ? 0 : Position % bytes.Length;
            if (Kind == MutationKind.Truncate) return bytes[..Math.Min(Position, bytes.Length)];
            // Little-endian bytes of Value, Width of them (for Overwrite and Insert).
            Span<byte> word = BitConverter.GetBytes(Value).AsSpan(0, Math.Min(Width, 8));
            switch (Kind)
            {
                case MutationKind.FlipBit:
                    {
                        if (bytes.Length == 0) return bytes;
                        var copy = (byte[])bytes.Clone();
                        copy[at] ^= (byte)(1 << (int)Value);
                        return copy;
                    }
                case MutationKind.Overwrite:
                    {
                        var copy = (byte[])bytes.Clone();
                        var n = Math.Min(Width, copy.Length - at);
                        word[..n].CopyTo(copy.AsSpan(at));
                        return copy;
                    }
                case MutationKind.Insert:
                    return [.. bytes.AsSpan(0, at), .. word, .. bytes.AsSpan(at)];
                default:
                    return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(Math.Min(bytes.Length, at + Width))];
            }
        }
    }

    /// <summary>A miniature llama-style model: the metadata kinds a converter writes and a few tensor types.</summary>
    private static byte[] SmallModel()
    {
        var tokens = Enumerable.Range(0, 24).Select(i => i switch { 0 => "<unk>", 1 => "<s>", 2 => "</s>", _ => "\u2581t" + i }).ToArray();
        var random = new Random(7);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        var writer = new GgufWriter()
            .Set(GgufKeys.Architecture, "llama")
            .Set(GgufKeys.Name, "mutation target")
            .Set(GgufKeys.Alignment, 32u)
            .Set(GgufMetadata.ArchKey("llama", GgufKeys.ContextLength), 128u)
            .Set(GgufMetadata.ArchKey("llama", GgufKeys.RmsNormEpsilon), 1e-5f)
            .Set(GgufMetadata.ArchKey("llama", GgufKeys.RopeFreqBase), 10000.0)
            .Set(GgufKeys.TokenizerModel, "llama")
            .Set(GgufKeys.TokenizerTokens, new GgufArray(GgufValueType.String, tokens))
            .Set(GgufKeys.TokenizerScores, new GgufArray(GgufValueType.Float32, tokens.Select((_, i) => -(float)i).ToArray()))
            .Set(GgufKeys.TokenizerTokenType, new GgufArray(GgufValueType.Int32, tokens.Select(_ => 1).ToArray()))
            .Set(GgufKeys.TokenizerAddBos, true)
            .Set(GgufKeys.TokenizerBosId, 1u)
            .Set("test.nested", new GgufArray(GgufValueType.Array, new[]
            {
                new GgufArray(GgufValueType.UInt64, new[] { 1UL, 2UL }),
                new GgufArray(GgufValueType.Bool, new[] { true }),
            }))
            .AddTensor("token_embd.weight", GgmlType.F16, [8, 24], Bytes(8 * 24 * 2))
            .AddTensor("blk.0.attn_q.weight", GgmlType.Q8_0, [32, 2], Bytes(2 * 34))
            .AddTensor("blk.0.ffn_up.weight", GgmlType.Q4_K, [256, 1], Bytes(144))
            .AddTensor("output_norm.weight", GgmlType.F32, [8], Bytes(32));
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }
}
