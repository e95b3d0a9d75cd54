namespace Toasted.Engine.ChatTemplates;

/// <summary>The tests (<c>value is name(…)</c>) real chat templates use, with Jinja's semantics.</summary>
internal static class TemplateTests
{
    private delegate bool Test(object value, TemplateCallArguments args);

    private static object Argument(TemplateCallArguments a) =>
        a.Positional.Count > 0 ? a.Positional[0] : throw new TemplateRuntimeException("the test needs an argument");

    private static readonly Dictionary<string, Test> Tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not TemplateUndefined,
        ["undefined"] = (v, _) => v is TemplateUndefined,
        // llama.cpp's engine counts an undefined value as none too: templates write "x is none"
        // for attributes a message may lack (tool_calls, reasoning_content).
        ["none"] = (v, _) => v is TemplateNone or TemplateUndefined,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => v is long or double,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["mapping"] = (v, _) => v is OrderedDictionary<object, object>,
        ["iterable"] = (v, _) => v is List<object> or OrderedDictionary<object, object> or string,
        ["sequence"] = (v, _) => v is List<object> or OrderedDictionary<object, object> or string,
        ["callable"] = (v, _) => v is TemplateCallable,
        ["odd"] = (v, _) => v is long l && l % 2 != 0,
        ["even"] = (v, _) => v is long l && l % 2 == 0,
        ["divisibleby"] = (v, a) => v is long l && Argument(a) is long d && d != 0 && l % d == 0,
        ["lower"] = (v, _) => v is string s && s == s.ToLowerInvariant(),
        ["upper"] = (v, _) => v is string s && s == s.ToUpperInvariant(),
        ["equalto"] = (v, a) => TemplateValue.Equals(v, Argument(a)),
        ["eq"] = (v, a) => TemplateValue.Equals(v, Argument(a)),
        ["=="] = (v, a) => TemplateValue.Equals(v, Argument(a)),
        ["ne"] = (v, a) => !TemplateValue.Equals(v, Argument(a)),
        ["!="] = (v, a) => !TemplateValue.Equals(v, Argument(a)),
        ["lt"] = (v, a) => TemplateValue.Compare(v, Argument(a)) < 0,
        ["lessthan"] = (v, a) => TemplateValue.Compare(v, Argument(a)) < 0,
        ["le"] = (v, a) => TemplateValue.Compare(v, Argument(a)) <= 0,
        ["gt"] = (v, a) => TemplateValue.Compare(v, Argument(a)) > 0,
        ["greaterthan"] = (v, a) => TemplateValue.Compare(v, Argument(a)) > 0,
        ["ge"] = (v, a) => TemplateValue.Compare(v, Argument(a)) >= 0,
        ["in"] = (v, a) => TemplateValue.Contains(Argument(a), v),
        ["sameas"] = (v, a) => Argument(a) is var other && (ReferenceEquals(v, other) || (v is TemplateNone && other is TemplateNone) || (v is bool x && other is bool y && x == y)),
        ["escaped"] = (_, _) => false,
    };

    public static bool Apply(string name, object value, TemplateCallArguments args) =>
        Tests.TryGetValue(name, out var test) ? test(value, args) : throw new TemplateRuntimeException($"unknown test '{name}'");
}
