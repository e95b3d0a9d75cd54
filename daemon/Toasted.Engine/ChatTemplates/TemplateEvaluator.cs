using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>Walks the statement tree and writes the rendering; one instance per render.</summary>
internal sealed class TemplateEvaluator
{
    private enum Flow { Normal, Break, Continue }

    private readonly TemplateSource _source;

    public TemplateEvaluator(TemplateSource source)
    {
        _source = source;
    }

    public string Render(IReadOnlyList<TemplateNode> nodes, TemplateScope scope)
    {
        var output = new StringBuilder();
        RenderBody(nodes, scope, output);
        return output.ToString();
    }

    private Flow RenderBody(IReadOnlyList<TemplateNode> nodes, TemplateScope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = RenderNode(node, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow RenderNode(TemplateNode node, TemplateScope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode o:
                output.Append(TemplateValue.ToText(Evaluate(o.Value, scope)));
                return Flow.Normal;
            case IfNode ifNode:
                foreach (var (condition, body) in ifNode.Branches)
                    if (TemplateValue.IsTruthy(Evaluate(condition, scope)))
                        return RenderBody(body, scope, output);
                return ifNode.ElseBody is null ? Flow.Normal : RenderBody(ifNode.ElseBody, scope, output);
            case ForNode forNode:
                RenderFor(forNode, scope, output);
                return Flow.Normal;
            case SetNode set:
                Assign(set, scope);
                return Flow.Normal;
            case BlockSetNode blockSet:
            {
                var inner = new StringBuilder();
                RenderBody(blockSet.Body, scope, inner);
                scope.Set(blockSet.Target, ApplyFilters(blockSet.Filters, inner.ToString(), scope));
                return Flow.Normal;
            }
            case MacroNode macro:
                scope.Set(macro.Name, MakeMacro(macro.Name, macro.Parameters, macro.Body, scope));
                return Flow.Normal;
            case CallBlockNode callBlock:
            {
                var caller = MakeMacro("caller", callBlock.CallerParameters, callBlock.Body, scope);
                var callee = Evaluate(callBlock.Call.Callee, scope);
                var args = EvaluateArguments(callBlock.Call.Arguments, scope);
                var keyword = new Dictionary<string, object>(args.Keyword) { ["caller"] = caller };
                output.Append(TemplateValue.ToText(Call(callee, new TemplateCallArguments(args.Positional, keyword), callBlock.Call)));
                return Flow.Normal;
            }
            case FilterBlockNode filterBlock:
            {
                var inner = new StringBuilder();
                RenderBody(filterBlock.Body, scope, inner);
                output.Append(TemplateValue.ToText(ApplyFilters(filterBlock.Filters, inner.ToString(), scope)));
                return Flow.Normal;
            }
            case PassThroughNode pass:
                return RenderBody(pass.Body, scope, output);
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            default:
                throw _source.Error($"unsupported statement {node.GetType().Name}", node.Offset);
        }
    }

    private object ApplyFilters(IReadOnlyList<FilterExpression> filters, object value, TemplateScope scope)
    {
        foreach (var f in filters)
            value = Guarded(f, () => TemplateFilters.Apply(f.Filter, value, EvaluateArguments(f.Arguments, scope)));
        return value;
    }

    private void Assign(SetNode set, TemplateScope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is not null)
        {
            var target = Evaluate(new NameExpression(set.Targets[0], set.Offset), scope);
            switch (target)
            {
                case TemplateNamespace ns:
                    ns.Attributes[set.Attribute] = value;
                    return;
                case OrderedDictionary<object, object> dict:
                    dict[set.Attribute] = value;
                    return;
                default:
                    throw _source.Error($"cannot set attribute '{set.Attribute}' on {TemplateValue.TypeName(target)} (only a namespace() accepts it)", set.Offset);
            }
        }
        Bind(set.Targets, value, scope, set.Offset);
    }

    /// <summary>Assigns a value to one name, or unpacks it over several (<c>set a, b = …</c>, <c>for k, v in …</c>).</summary>
    private void Bind(IReadOnlyList<string> names, object value, TemplateScope scope, int offset)
    {
        if (names.Count == 1)
        {
            scope.Set(names[0], value);
            return;
        }
        var items = TemplateValue.Iterate(value);
        if (items.Count != names.Count)
            throw _source.Error($"cannot unpack {items.Count} values into {names.Count} names", offset);
        for (var i = 0; i < items.Count; i++) scope.Set(names[i], items[i]);
    }

    private void RenderFor(ForNode node, TemplateScope scope, StringBuilder output)
    {
        var iterable = Evaluate(node.Iterable, scope);
        List<object> items;
        try
        {
            items = TemplateValue.Iterate(iterable);
        }
        catch (TemplateRuntimeException e)
        {
            throw _source.Error(e.Message, node.Iterable.Offset);
        }

        if (node.Filter is not null)
        {
            // The loop filter sees each item under the loop names, before loop.* is computed.
            items = items.Where(item =>
            {
                var filterScope = new TemplateScope(scope);
                Bind(node.Targets, item, filterScope, node.Offset);
                return TemplateValue.IsTruthy(Evaluate(node.Filter, filterScope));
            }).ToList();
        }

        if (items.Count == 0)
        {
            if (node.ElseBody is not null) RenderBody(node.ElseBody, scope, output);
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var bodyScope = new TemplateScope(scope);
            Bind(node.Targets, items[i], bodyScope, node.Offset);
            bodyScope.Set("loop", MakeLoop(items, i));
            if (RenderBody(node.Body, bodyScope, output) == Flow.Break) break;
        }
    }

    private static OrderedDictionary<object, object> MakeLoop(List<object> items, int i)
    {
        var n = items.Count;
        var loop = new OrderedDictionary<object, object>(TemplateKeyComparer.Instance)
        {
            ["index"] = (long)(i + 1),
            ["index0"] = (long)i,
            ["revindex"] = (long)(n - i),
            ["revindex0"] = (long)(n - i - 1),
            ["first"] = i == 0,
            ["last"] = i == n - 1,
            ["length"] = (long)n,
            ["depth"] = 1L,
            ["depth0"] = 0L,
            ["previtem"] = i > 0 ? items[i - 1] : new TemplateUndefined("loop.previtem"),
            ["nextitem"] = i < n - 1 ? items[i + 1] : new TemplateUndefined("loop.nextitem"),
        };
        loop["cycle"] = new TemplateCallable("loop.cycle", args =>
            args.Positional.Count == 0 ? new TemplateUndefined("loop.cycle") : args.Positional[i % args.Positional.Count]);
        return loop;
    }

    /// <summary>Nested macro calls allowed before a render fails: a recursive template must not exhaust the stack.</summary>
    private const int MaxCallDepth = 200;

    private int _callDepth;

    private TemplateCallable MakeMacro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<TemplateNode> body, TemplateScope definingScope)
    {
        return new TemplateCallable(name, args =>
        {
            if (_callDepth >= MaxCallDepth) throw new TemplateRuntimeException($"macro calls nested deeper than {MaxCallDepth}");
            _callDepth++;
            try
            {
                return InvokeMacro(parameters, body, definingScope, args);
            }
            finally
            {
                _callDepth--;
            }
        });
    }

    private string InvokeMacro(IReadOnlyList<MacroParameter> parameters, IReadOnlyList<TemplateNode> body, TemplateScope definingScope, TemplateCallArguments args)
    {
        var callScope = new TemplateScope(definingScope);
        var extra = new List<object>();
        for (var i = 0; i < args.Positional.Count; i++)
        {
            if (i < parameters.Count) callScope.Set(parameters[i].Name, args.Positional[i]);
            else extra.Add(args.Positional[i]);
        }
        var extraKeyword = new OrderedDictionary<object, object>(TemplateKeyComparer.Instance);
        foreach (var (key, value) in args.Keyword)
        {
            if (key == "caller" || parameters.Any(p => p.Name == key)) callScope.Set(key, value);
            else extraKeyword[key] = value;
        }
        for (var i = args.Positional.Count; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (args.Keyword.ContainsKey(p.Name)) continue;
            callScope.Set(p.Name, p.Default is null ? new TemplateUndefined(p.Name) : Evaluate(p.Default, callScope));
        }
        callScope.Set("varargs", extra);
        callScope.Set("kwargs", extraKeyword);
        var output = new StringBuilder();
        RenderBody(body, callScope, output);
        return output.ToString();
    }

    // ---- expressions ----

    /// <summary>Runs <paramref name="action"/>, placing a position-less failure at <paramref name="at"/>.</summary>
    private T Guarded<T>(TemplateExpression at, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (TemplateRuntimeException e)
        {
            throw _source.Error(e.Message, at.Offset);
        }
        catch (Exception e) when (e is InvalidCastException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // A filter or method given arguments of the wrong kind or number.
            throw _source.Error("invalid arguments: " + e.Message, at.Offset);
        }
    }

    public object Evaluate(TemplateExpression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : new TemplateUndefined(name.Name);
            case ListExpression list:
                return list.Items.Select(i => Evaluate(i, scope)).ToList();
            case TupleExpression tuple:
                return tuple.Items.Select(i => Evaluate(i, scope)).ToList();
            case DictExpression dict:
            {
                var result = new OrderedDictionary<object, object>(TemplateKeyComparer.Instance);
                foreach (var (k, v) in dict.Entries) result[Evaluate(k, scope)] = Evaluate(v, scope);
                return result;
            }
            case AttributeExpression attribute:
            {
                var target = Evaluate(attribute.Target, scope);
                return Guarded(attribute, () => TemplateMembers.GetAttribute(target, attribute.Name));
            }
            case SubscriptExpression subscript:
            {
                var target = Evaluate(subscript.Target, scope);
                var index = Evaluate(subscript.Index, scope);
                return Guarded(subscript, () => TemplateMembers.GetItem(target, index));
            }
            case SliceExpression slice:
            {
                var target = Evaluate(slice.Target, scope);
                var start = slice.Start is null ? null : Evaluate(slice.Start, scope);
                var stop = slice.Stop is null ? null : Evaluate(slice.Stop, scope);
                var step = slice.Step is null ? null : Evaluate(slice.Step, scope);
                return Guarded(slice, () => TemplateMembers.Slice(target, start, stop, step));
            }
            case CallExpression call:
            {
                var callee = Evaluate(call.Callee, scope);
                var args = EvaluateArguments(call.Arguments, scope);
                return Call(callee, args, call);
            }
            case FilterExpression filter:
            {
                // "default" must see an undefined value as such, so the operand is evaluated normally.
                var input = Evaluate(filter.Value, scope);
                var args = EvaluateArguments(filter.Arguments, scope);
                return Guarded(filter, () => TemplateFilters.Apply(filter.Filter, input, args));
            }
            case TestExpression test:
            {
                var input = Evaluate(test.Value, scope);
                var args = EvaluateArguments(test.Arguments, scope);
                var result = Guarded(test, () => TemplateTests.Apply(test.Test, input, args));
                return test.Negated ? !result : result;
            }
            case UnaryExpression unary:
            {
                var operand = Evaluate(unary.Operand, scope);
                return Guarded(unary, () => TemplateOperators.Unary(unary.Operator, operand));
            }
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case ConditionalExpression conditional:
                if (TemplateValue.IsTruthy(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.WhenTrue, scope);
                return conditional.WhenFalse is null ? new TemplateUndefined("else") : Evaluate(conditional.WhenFalse, scope);
            default:
                throw _source.Error($"unsupported expression {expression.GetType().Name}", expression.Offset);
        }
    }

    private object EvaluateBinary(BinaryExpression binary, TemplateScope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return TemplateValue.IsTruthy(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return TemplateValue.IsTruthy(left) ? left : Evaluate(binary.Right, scope);
        }
        var right = Evaluate(binary.Right, scope);
        return Guarded(binary, () => TemplateOperators.Binary(binary.Operator, left, right));
    }

    private TemplateCallArguments EvaluateArguments(TemplateArguments arguments, TemplateScope scope)
    {
        if (arguments.Positional.Count == 0 && arguments.Keyword.Count == 0) return TemplateCallArguments.Empty;
        var positional = arguments.Positional.Select(a => Evaluate(a, scope)).ToList();
        var keyword = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in arguments.Keyword) keyword[name] = Evaluate(value, scope);
        return new TemplateCallArguments(positional, keyword);
    }

    private object Call(object callee, TemplateCallArguments args, CallExpression at)
    {
        if (callee is not TemplateCallable callable)
        {
            var what = at.Callee switch
            {
                NameExpression n => n.Name,
                AttributeExpression a => a.Name,
                _ => "value",
            };
            throw _source.Error(callee is TemplateUndefined ? $"'{what}' is undefined and cannot be called" : $"'{what}' ({TemplateValue.TypeName(callee)}) is not callable", at.Offset);
        }
        return Guarded(at, () => callable.Invoke(args));
    }
}
