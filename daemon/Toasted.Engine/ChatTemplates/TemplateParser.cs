using System.Globalization;

namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// Recursive-descent parser from tokens to the statement tree. Operator precedence follows Jinja,
/// lowest first: inline <c>if/else</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>,
/// <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then filters and tests, then
/// attribute, subscript and call.
/// </summary>
internal sealed class TemplateParser
{
    private static readonly HashSet<string> Comparisons = ["==", "!=", "<", ">", "<=", ">="];

    private readonly TemplateSource _source;
    private readonly List<TemplateToken> _tokens;
    private int _index;

    private TemplateParser(TemplateSource source, List<TemplateToken> tokens)
    {
        _source = source;
        _tokens = tokens;
    }

    public static IReadOnlyList<TemplateNode> Parse(TemplateSource source, List<TemplateToken> tokens)
    {
        var parser = new TemplateParser(source, tokens);
        var body = parser.ParseBody(out var terminator);
        if (terminator is not null)
            throw source.Error($"unexpected '{terminator}' without a matching opening tag", parser.Current.Offset);
        return body;
    }

    private TemplateToken Current => _tokens[_index];

    private TemplateToken Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private TemplateToken Advance() => _tokens[_index++];

    private ChatTemplateException Error(string reason, TemplateToken at) => _source.Error(reason, at.Offset);

    private TemplateToken Expect(TemplateTokenKind kind, string? value = null)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
            throw Error($"expected {(value is null ? kind.ToString().ToLowerInvariant() : $"'{value}'")}, found {t}", t);
        return Advance();
    }

    private string ExpectName() => Expect(TemplateTokenKind.Name).Value;

    private bool AcceptOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _index++;
        return true;
    }

    private bool AcceptName(string name)
    {
        if (!Current.IsName(name)) return false;
        _index++;
        return true;
    }

    /// <summary>
    /// Statements until the end of the template or a closing/intermediate tag (endif, else, elif, …);
    /// that tag's keyword is returned in <paramref name="terminator"/> with the parser positioned on it.
    /// </summary>
    private List<TemplateNode> ParseBody(out string? terminator)
    {
        var nodes = new List<TemplateNode>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TemplateTokenKind.End:
                    terminator = null;
                    return nodes;
                case TemplateTokenKind.Text:
                    Advance();
                    nodes.Add(new TextNode(t.Value, t.Offset));
                    break;
                case TemplateTokenKind.ExpressionOpen:
                    Advance();
                    nodes.Add(new OutputNode(ParseExpression(), t.Offset));
                    Expect(TemplateTokenKind.ExpressionClose);
                    break;
                case TemplateTokenKind.StatementOpen:
                    var keyword = Peek();
                    if (keyword.Kind == TemplateTokenKind.Name && IsTerminator(keyword.Value))
                    {
                        terminator = keyword.Value;
                        return nodes;
                    }
                    Advance();
                    nodes.Add(ParseStatement(t));
                    break;
                default:
                    throw Error($"unexpected {t}", t);
            }
        }
    }

    private static bool IsTerminator(string keyword) =>
        keyword is "elif" or "else" or "endif" or "endfor" or "endset" or "endmacro" or "endcall" or "endfilter" or "endgeneration";

    /// <summary>Parses a body that must end with <paramref name="allowed"/>; consumes the closing tag's opening and keyword.</summary>
    private List<TemplateNode> ParseBlockBody(TemplateToken opening, out string terminator, params string[] allowed)
    {
        var body = ParseBody(out var found);
        if (found is null || !allowed.Contains(found))
            throw Error($"'{opening.Value}' block is not closed (expected {string.Join(" or ", allowed.Select(a => $"'{a}'"))})", found is null ? opening : Current);
        Advance(); // {%
        Advance(); // keyword
        terminator = found;
        return body;
    }

    private TemplateNode ParseStatement(TemplateToken open)
    {
        var keywordToken = Expect(TemplateTokenKind.Name);
        var offset = keywordToken.Offset;
        switch (keywordToken.Value)
        {
            case "if":
                return ParseIf(keywordToken);
            case "for":
                return ParseFor(keywordToken);
            case "set":
                return ParseSet(keywordToken);
            case "macro":
                return ParseMacro(keywordToken);
            case "call":
                return ParseCallBlock(keywordToken);
            case "filter":
            {
                var filters = ParseFilterChain();
                Expect(TemplateTokenKind.StatementClose);
                var body = ParseBlockBody(keywordToken, out _, "endfilter");
                Expect(TemplateTokenKind.StatementClose);
                return new FilterBlockNode(filters, body, offset);
            }
            case "generation":
            {
                Expect(TemplateTokenKind.StatementClose);
                var body = ParseBlockBody(keywordToken, out _, "endgeneration");
                Expect(TemplateTokenKind.StatementClose);
                return new PassThroughNode(body, offset);
            }
            case "break":
                Expect(TemplateTokenKind.StatementClose);
                return new BreakNode(offset);
            case "continue":
                Expect(TemplateTokenKind.StatementClose);
                return new ContinueNode(offset);
            default:
                throw Error($"unknown statement '{keywordToken.Value}'", keywordToken);
        }
    }

    private TemplateNode ParseIf(TemplateToken keyword)
    {
        var branches = new List<(TemplateExpression, IReadOnlyList<TemplateNode>)>();
        var condition = ParseExpression();
        Expect(TemplateTokenKind.StatementClose);
        while (true)
        {
            var body = ParseBlockBody(keyword, out var terminator, "elif", "else", "endif");
            branches.Add((condition, body));
            if (terminator == "elif")
            {
                condition = ParseExpression();
                Expect(TemplateTokenKind.StatementClose);
                continue;
            }
            Expect(TemplateTokenKind.StatementClose);
            if (terminator == "endif") return new IfNode(branches, null, keyword.Offset);
            var elseBody = ParseBlockBody(keyword, out _, "endif");
            Expect(TemplateTokenKind.StatementClose);
            return new IfNode(branches, elseBody, keyword.Offset);
        }
    }

    private TemplateNode ParseFor(TemplateToken keyword)
    {
        var targets = new List<string> { ExpectName() };
        while (AcceptOperator(",")) targets.Add(ExpectName());
        Expect(TemplateTokenKind.Name, "in");
        // The iterable stops before a trailing "if" (the loop filter), so no inline conditional here.
        var iterable = ParseOr();
        TemplateExpression? filter = null;
        if (AcceptName("if")) filter = ParseExpression();
        if (AcceptName("recursive")) throw Error("recursive loops are not supported", keyword);
        Expect(TemplateTokenKind.StatementClose);
        var body = ParseBlockBody(keyword, out var terminator, "else", "endfor");
        Expect(TemplateTokenKind.StatementClose);
        List<TemplateNode>? elseBody = null;
        if (terminator == "else")
        {
            elseBody = ParseBlockBody(keyword, out _, "endfor");
            Expect(TemplateTokenKind.StatementClose);
        }
        return new ForNode(targets, iterable, filter, body, elseBody, keyword.Offset);
    }

    private TemplateNode ParseSet(TemplateToken keyword)
    {
        var first = ExpectName();
        if (AcceptOperator("."))
        {
            var attribute = ExpectName();
            Expect(TemplateTokenKind.Operator, "=");
            var value = ParseExpression();
            Expect(TemplateTokenKind.StatementClose);
            return new SetNode([first], attribute, value, keyword.Offset);
        }
        var targets = new List<string> { first };
        while (AcceptOperator(",")) targets.Add(ExpectName());
        if (AcceptOperator("="))
        {
            var value = ParseTupleOrExpression();
            Expect(TemplateTokenKind.StatementClose);
            return new SetNode(targets, null, value, keyword.Offset);
        }
        if (targets.Count != 1) throw Error("a block set takes a single name", keyword);
        var filters = Current.IsOperator("|") ? ParseFilterChain() : [];
        Expect(TemplateTokenKind.StatementClose);
        var body = ParseBlockBody(keyword, out _, "endset");
        Expect(TemplateTokenKind.StatementClose);
        return new BlockSetNode(first, filters, body, keyword.Offset);
    }

    /// <summary><c>|a|b(…)</c> after a block keyword, as filters applied to a placeholder value.</summary>
    private List<FilterExpression> ParseFilterChain()
    {
        var filters = new List<FilterExpression>();
        AcceptOperator("|");
        do
        {
            var name = Expect(TemplateTokenKind.Name);
            var args = Current.IsOperator("(") ? ParseCallArguments() : TemplateArguments.None;
            filters.Add(new FilterExpression(new LiteralExpression("", name.Offset), name.Value, args, name.Offset));
        }
        while (AcceptOperator("|"));
        return filters;
    }

    private List<MacroParameter> ParseParameters()
    {
        var parameters = new List<MacroParameter>();
        Expect(TemplateTokenKind.Operator, "(");
        while (!AcceptOperator(")"))
        {
            var name = ExpectName();
            var def = AcceptOperator("=") ? ParseExpression() : null;
            parameters.Add(new MacroParameter(name, def));
            if (!Current.IsOperator(")")) Expect(TemplateTokenKind.Operator, ",");
        }
        return parameters;
    }

    private TemplateNode ParseMacro(TemplateToken keyword)
    {
        var name = ExpectName();
        var parameters = ParseParameters();
        Expect(TemplateTokenKind.StatementClose);
        var body = ParseBlockBody(keyword, out _, "endmacro");
        if (Current.Kind == TemplateTokenKind.Name) Advance(); // {% endmacro name %}
        Expect(TemplateTokenKind.StatementClose);
        return new MacroNode(name, parameters, body, keyword.Offset);
    }

    private TemplateNode ParseCallBlock(TemplateToken keyword)
    {
        var callerParameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParsePostfix(ParsePrimary()) as CallExpression ?? throw Error("'call' needs a macro call", keyword);
        Expect(TemplateTokenKind.StatementClose);
        var body = ParseBlockBody(keyword, out _, "endcall");
        Expect(TemplateTokenKind.StatementClose);
        return new CallBlockNode(call, callerParameters, body, keyword.Offset);
    }

    // ---- expressions ----

    /// <summary><c>a, b</c> without parentheses (the right side of a set) becomes a tuple.</summary>
    private TemplateExpression ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!Current.IsOperator(",")) return first;
        var items = new List<TemplateExpression> { first };
        while (AcceptOperator(",")) items.Add(ParseExpression());
        return new TupleExpression(items, first.Offset);
    }

    private TemplateExpression ParseExpression()
    {
        var value = ParseOr();
        while (Current.IsName("if"))
        {
            var offset = Advance().Offset;
            var condition = ParseOr();
            var otherwise = AcceptName("else") ? ParseExpression() : null;
            value = new ConditionalExpression(condition, value, otherwise, offset);
        }
        return value;
    }

    private TemplateExpression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var offset = Advance().Offset;
            left = new BinaryExpression("or", left, ParseAnd(), offset);
        }
        return left;
    }

    private TemplateExpression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var offset = Advance().Offset;
            left = new BinaryExpression("and", left, ParseNot(), offset);
        }
        return left;
    }

    private TemplateExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var offset = Advance().Offset;
            return new UnaryExpression("not", ParseNot(), offset);
        }
        return ParseComparison();
    }

    private TemplateExpression ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            var t = Current;
            if (t.Kind == TemplateTokenKind.Operator && Comparisons.Contains(t.Value))
            {
                Advance();
                left = new BinaryExpression(t.Value, left, ParseAdditive(), t.Offset);
            }
            else if (t.IsName("in"))
            {
                Advance();
                left = new BinaryExpression("in", left, ParseAdditive(), t.Offset);
            }
            else if (t.IsName("not") && Peek().IsName("in"))
            {
                Advance();
                Advance();
                left = new BinaryExpression("not in", left, ParseAdditive(), t.Offset);
            }
            else
            {
                return left;
            }
        }
    }

    private TemplateExpression ParseAdditive() => ParseLeftAssociative(ParseConcat, "+", "-");

    private TemplateExpression ParseConcat() => ParseLeftAssociative(ParseMultiplicative, "~");

    private TemplateExpression ParseMultiplicative() => ParseLeftAssociative(ParsePower, "*", "/", "//", "%");

    private TemplateExpression ParsePower() => ParseLeftAssociative(ParseUnary, "**");

    /// <summary>One precedence level: operands from <paramref name="operand"/> joined left to right by <paramref name="operators"/>.</summary>
    private TemplateExpression ParseLeftAssociative(Func<TemplateExpression> operand, params string[] operators)
    {
        var left = operand();
        while (Current.Kind == TemplateTokenKind.Operator && operators.Contains(Current.Value))
        {
            var op = Advance();
            left = new BinaryExpression(op.Value, left, operand(), op.Offset);
        }
        return left;
    }

    private TemplateExpression ParseUnary()
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Advance();
            return ParseFiltersAndTests(new UnaryExpression(op.Value, ParseUnaryOperand(), op.Offset));
        }
        return ParseFiltersAndTests(ParsePostfix(ParsePrimary()));
    }

    private TemplateExpression ParseUnaryOperand()
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Advance();
            return new UnaryExpression(op.Value, ParseUnaryOperand(), op.Offset);
        }
        return ParsePostfix(ParsePrimary());
    }

    private TemplateExpression ParseFiltersAndTests(TemplateExpression value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                Advance();
                var name = Expect(TemplateTokenKind.Name);
                var args = Current.IsOperator("(") ? ParseCallArguments() : TemplateArguments.None;
                value = new FilterExpression(value, name.Value, args, name.Offset);
            }
            else if (Current.IsName("is"))
            {
                Advance();
                var negated = AcceptName("not");
                var name = Expect(TemplateTokenKind.Name);
                TemplateArguments args;
                if (Current.IsOperator("(")) args = ParseCallArguments();
                else if (StartsTestArgument(Current)) args = new TemplateArguments([ParsePostfix(ParsePrimary())], []);
                else args = TemplateArguments.None;
                value = new TestExpression(value, name.Value, args, negated, name.Offset);
            }
            else
            {
                return value;
            }
        }
    }

    /// <summary>Jinja lets a test take one argument without parentheses: <c>x is divisibleby 3</c>.</summary>
    private static bool StartsTestArgument(TemplateToken t) => t.Kind switch
    {
        TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float => true,
        TemplateTokenKind.Name => t.Value is not ("and" or "or" or "else" or "if" or "in" or "not" or "is"),
        TemplateTokenKind.Operator => t.Value is "[" or "{",
        _ => false,
    };

    private TemplateExpression ParsePostfix(TemplateExpression target)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                Advance();
                var name = Current;
                if (name.Kind is not (TemplateTokenKind.Name or TemplateTokenKind.Integer))
                    throw Error($"expected an attribute name after '.', found {name}", name);
                Advance();
                target = new AttributeExpression(target, name.Value, name.Offset);
            }
            else if (t.IsOperator("["))
            {
                Advance();
                target = ParseSubscript(target, t);
            }
            else if (t.IsOperator("("))
            {
                target = new CallExpression(target, ParseCallArguments(), target.Offset);
            }
            else
            {
                return target;
            }
        }
    }

    private TemplateExpression ParseSubscript(TemplateExpression target, TemplateToken open)
    {
        TemplateExpression? start = null, stop = null, step = null;
        if (!Current.IsOperator(":")) start = ParseExpression();
        if (!AcceptOperator(":"))
        {
            Expect(TemplateTokenKind.Operator, "]");
            return new SubscriptExpression(target, start!, open.Offset);
        }
        if (!Current.IsOperator(":") && !Current.IsOperator("]")) stop = ParseExpression();
        if (AcceptOperator(":") && !Current.IsOperator("]")) step = ParseExpression();
        Expect(TemplateTokenKind.Operator, "]");
        return new SliceExpression(target, start, stop, step, open.Offset);
    }

    private TemplateArguments ParseCallArguments()
    {
        Expect(TemplateTokenKind.Operator, "(");
        var positional = new List<TemplateExpression>();
        var keyword = new List<(string, TemplateExpression)>();
        while (!AcceptOperator(")"))
        {
            if (Current.Kind == TemplateTokenKind.Name && Peek().IsOperator("="))
            {
                var name = Advance().Value;
                Advance();
                keyword.Add((name, ParseExpression()));
            }
            else
            {
                positional.Add(ParseExpression());
            }
            if (!Current.IsOperator(")")) Expect(TemplateTokenKind.Operator, ",");
        }
        return new TemplateArguments(positional, keyword);
    }

    private TemplateExpression ParsePrimary()
    {
        var t = Advance();
        switch (t.Kind)
        {
            case TemplateTokenKind.String:
            {
                // Adjacent string literals are joined, as in Python.
                var text = t.Value;
                while (Current.Kind == TemplateTokenKind.String) text += Advance().Value;
                return new LiteralExpression(text, t.Offset);
            }
            case TemplateTokenKind.Integer:
                return new LiteralExpression(long.Parse(t.Value, CultureInfo.InvariantCulture), t.Offset);
            case TemplateTokenKind.Float:
                return new LiteralExpression(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Offset);
            case TemplateTokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, t.Offset),
                    "false" or "False" => new LiteralExpression(false, t.Offset),
                    "none" or "None" => new LiteralExpression(TemplateNone.Value, t.Offset),
                    _ => new NameExpression(t.Value, t.Offset),
                };
            case TemplateTokenKind.Operator when t.Value == "(":
            {
                if (AcceptOperator(")")) return new TupleExpression([], t.Offset);
                var first = ParseExpression();
                if (AcceptOperator(")")) return first;
                var items = new List<TemplateExpression> { first };
                while (AcceptOperator(","))
                {
                    if (Current.IsOperator(")")) break;
                    items.Add(ParseExpression());
                }
                Expect(TemplateTokenKind.Operator, ")");
                return new TupleExpression(items, t.Offset);
            }
            case TemplateTokenKind.Operator when t.Value == "[":
            {
                var items = new List<TemplateExpression>();
                while (!AcceptOperator("]"))
                {
                    items.Add(ParseExpression());
                    if (!Current.IsOperator("]")) Expect(TemplateTokenKind.Operator, ",");
                }
                return new ListExpression(items, t.Offset);
            }
            case TemplateTokenKind.Operator when t.Value == "{":
            {
                var entries = new List<(TemplateExpression, TemplateExpression)>();
                while (!AcceptOperator("}"))
                {
                    var key = ParseExpression();
                    Expect(TemplateTokenKind.Operator, ":");
                    entries.Add((key, ParseExpression()));
                    if (!Current.IsOperator("}")) Expect(TemplateTokenKind.Operator, ",");
                }
                return new DictExpression(entries, t.Offset);
            }
            default:
                throw Error($"unexpected {t} in an expression", t);
        }
    }
}
