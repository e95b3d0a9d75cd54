using NUnit.Framework;
using Toasted.Engine.ChatTemplates;

namespace Toasted.Engine.Tests.ChatTemplates;

/// <summary>Expression semantics that Jinja documents (and Python defines), independent of any model's template.</summary>
public class TemplateExpressionTests
{
    private static string Render(string template) =>
        ChatTemplate.Parse(template).Render([], false, new ChatTemplateContext("<s>", "</s>", () => new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero)));

    [TestCase("{{ 7 // 2 }},{{ -7 // 2 }},{{ 7 % 3 }},{{ -7 % 3 }},{{ 7 / 2 }},{{ 4 / 2 }}", "3,-4,1,2,3.5,2.0")]
    [TestCase("{{ 2 ** 10 }},{{ 1 + 2 * 3 }},{{ (1 + 2) * 3 }},{{ 10 - 1 - 1 }}", "1024,7,9,8")]
    [TestCase("{{ [1,2,3]|length - 1 }},{{ range(3, -1, -1)|list }}", "2,[3, 2, 1, 0]")]
    [TestCase("{{ 'a' ~ 1 ~ none }},{{ 'ab' * 2 }},{{ 'x' + 'y' }}", "a1None,abab,xy")]
    [TestCase("{{ 1 == 1.0 }},{{ 'a' < 'b' }},{{ 'b' in 'abc' }},{{ 2 not in [1, 3] }},{{ 'k' in {'k': 1} }}", "True,True,True,True,True")]
    [TestCase("{{ 'yes' if 0 else 'no' }},{{ 'yes' if [0] else 'no' }},{{ none or 'x' }},{{ 0 and 1 }}", "no,yes,x,0")]
    [TestCase("{{ not 1 == 2 }},{{ -2|abs }},{{ - 2 ** 2 }}", "True,2,4")]
    [TestCase("{{ [1, 2, 3, 4, 5][1:4] }},{{ [1, 2, 3, 4, 5][::-1] }},{{ 'hello'[1:] }},{{ 'hello'[-1] }},{{ [1,2,3][::2] }}", "[2, 3, 4],[5, 4, 3, 2, 1],ello,o,[1, 3]")]
    [TestCase("{{ {'a': 1, 'b': [True, none, 'x']} }}", "{'a': 1, 'b': [True, None, 'x']}")]
    [TestCase("{{ 1.5 }},{{ 3.0 }},{{ 10 / 4 }},{{ 0.25 * 2 }}", "1.5,3.0,2.5,0.5")]
    public void Expressions_follow_jinja_and_python(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{ missing }}|{{ missing.attr.deeper }}|{{ missing is defined }}|{{ missing is undefined }}|{{ 'x' if missing else 'y' }}", "||False|True|y")]
    [TestCase("{{ missing|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}|{{ none is none }}", "d||d|True")]
    [TestCase("{% for x in missing %}{{ x }}{% else %}empty{% endfor %}", "empty")]
    public void Undefined_values_print_empty_and_are_falsy(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}", "a b|a|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']")]
    [TestCase("{{ 'Hello'.startswith('He') }}|{{ 'Hello'.endswith(('x', 'lo')) }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2) }}", "True|True|Hello World|Hello|bba")]
    [TestCase("{{ '{} and {}'.format(1, 'two') }}|{{ '{0}{0}'.format('x') }}|{{ '%s=%d' % ('a', 3) }}", "1 and two|xx|a=3")]
    [TestCase("{{ {'a': 1}.get('a') }}|{{ {'a': 1}.get('b', 2) }}|{{ {'a': 1}.get('b') }}|{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}{{ v }}{% endfor %}|{{ {'a': 1}.keys()|list }}", "1|2|None|x1y2|['a']")]
    [TestCase("{% set l = [1] %}{{ l.append(2) or '' }}{{ l }}", "[1, 2]")]
    public void String_dict_and_list_methods_behave_as_in_python(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{ ' x '|trim }}|{{ 'ab'|upper }}|{{ [3, 1, 2]|sort }}|{{ [1, 2]|join('-') }}|{{ 'abc'|length }}|{{ [1, 1, 2]|unique|list }}", "x|AB|[1, 2, 3]|1-2|3|[1, 2]")]
    [TestCase("{{ [{'n': 'a', 'k': 1}, {'n': 'b'}]|selectattr('k', 'defined')|map(attribute='n')|list }}|{{ [{'n': 'a', 'k': 1}, {'n': 'b'}]|rejectattr('k')|map(attribute='n')|join }}", "['a']|b")]
    [TestCase("{{ {'b': 1, 'a': 2}|dictsort }}|{{ [1, 2, 3, 4, 5]|batch(2)|list }}|{{ 'one two  three'|wordcount }}|{{ 2.567|round(2) }}|{{ '3'|int + 1 }}|{{ 1|float }}", "[['a', 2], ['b', 1]]|[[1, 2], [3, 4], [5]]|3|2.57|4|1.0")]
    [TestCase("{{ {'a': [1, 'x'], 'b': none, 'c': true}|tojson }}|{{ 'é\"'|tojson }}", "{\"a\": [1, \"x\"], \"b\": null, \"c\": true}|\"é\\\"\"")]
    [TestCase("{{ {'a': [1]}|tojson(indent=2) }}", "{\n  \"a\": [\n    1\n  ]\n}")]
    [TestCase("{{ {'a': [1, 2]}|tojson(separators=(',', ':')) }}|{{ 'é'|tojson(ensure_ascii=true) }}", "{\"a\":[1,2]}|\"\\u00e9\"")]
    [TestCase("{{ 'a\nb'|indent(2) }}|{{ 'a\nb'|indent(2, true) }}", "a\n  b|  a\n  b")]
    public void Filters_follow_jinja(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", "103TrueFalse3;212FalseFalse3;321FalseTrue3;")]
    [TestCase("{% for x in [1, 2, 3] %}{{ loop.previtem }}>{{ x }}>{{ loop.nextitem }} {% endfor %}", ">1>2 1>2>3 2>3> ")]
    [TestCase("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}", "2242")]
    [TestCase("{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", "1")]
    [TestCase("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}", "1")]
    [TestCase("{% set ns = namespace(x=1) %}{% for i in [1] %}{% set ns.x = 2 %}{% endfor %}{{ ns.x }}", "2")]
    [TestCase("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', punct='?') }}", "Hi a! Hi b?")]
    [TestCase("{% set block %}  text {{ 1 }}{% endset %}[{{ block|trim }}]", "[text 1]")]
    [TestCase("{% filter upper %}abc{% endfilter %}", "ABC")]
    [TestCase("{{ strftime_now('%d %b %Y') }}|{{ date_string }}|{{ bos_token }}{{ eos_token }}", "01 Jun 2024|01 Jun 2024|<s></s>")]
    public void Statements_follow_jinja(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [Test]
    public void Raise_exception_is_a_typed_error_with_its_position()
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render("line one\n  {{ raise_exception('no system role') }}"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Reason, Is.EqualTo("no system role"));
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Column, Is.EqualTo(6));
        });
    }

    [TestCase("{% if x %}no end", "'if' block is not closed")]
    [TestCase("{{ 1 | no_such_filter }}", "unknown filter 'no_such_filter'")]
    [TestCase("{% frobnicate %}", "unknown statement 'frobnicate'")]
    [TestCase("{{ 'unterminated }}", "string literal is not closed")]
    public void Template_errors_are_typed(string template, string reason)
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render(template))!;
        Assert.That(e.Reason, Does.Contain(reason));
    }

    [Test]
    public void A_template_that_only_takes_typed_content_gets_text_parts()
    {
        const string source = "{% for m in messages %}{% if m.content is string %}{{ raise_exception('typed content only') }}{% endif %}"
            + "{% for part in m.content %}[{{ part.type }}:{{ part.text }}]{% endfor %}{% endfor %}";
        var template = ChatTemplate.Parse(source);
        Assert.That(template.RequiresTypedContent, Is.True);
        Assert.That(template.Render([new("user", "Hi")], true, new ChatTemplateContext("", "")), Is.EqualTo("[text:Hi]"));
    }

    [Test]
    public void A_template_without_a_system_turn_gets_the_system_text_before_the_first_user_message()
    {
        const string source = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
            + "<{{ m.role }}>{{ m.content }}{% endfor %}";
        var template = ChatTemplate.Parse(source);
        Assert.That(template.SupportsSystemRole, Is.False);
        Assert.That(template.Render([new("system", "Be brief."), new("user", "Hi")], false, new ChatTemplateContext("", "")), Is.EqualTo("<user>Be brief.\nHi"));
    }
}
