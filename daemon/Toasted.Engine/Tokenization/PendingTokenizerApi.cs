// TEMPORARY (not committed)
namespace Toasted.Engine.Tokenization
{
    public static class TokenizerFactory { public static ITokenizer FromGguf(Toasted.Engine.Gguf.GgufMetadata m) => new Dummy(); }
    sealed class Dummy : ITokenizer {
        public int VocabSize => 512; public int BosId => 1; public int EosId => 2; public bool AddBos => true; public bool AddEos => false;
        public int[] Encode(string text, bool addSpecial, bool parseSpecial) => throw new NotImplementedException();
        public byte[] TokenToPiece(int id, bool special) => System.Text.Encoding.UTF8.GetBytes($"[{id}]");
        public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false) => "";
        public string TokenText(int id) => ""; public bool IsEndOfGeneration(int id) => false;
    }
    public sealed class StreamingDetokenizer(ITokenizer t) { public string Push(int id) => System.Text.Encoding.UTF8.GetString(t.TokenToPiece(id, false)); public string Flush() => ""; }
}
