using NUnit.Framework;
using Toasted.Engine.ChatTemplates;

namespace Toasted.Engine.Tests.ChatTemplates;

/// <summary>
/// Whitespace control as Jinja documents it, with the options chat templates are rendered with
/// (<c>trim_blocks</c> and <c>lstrip_blocks</c> on, the template's final newline dropped).
/// </summary>
public class TemplateLexerTests
{
    private static string Render(string template) =>
        ChatTemplate.Parse(template).Render([], false, new ChatTemplateContext("", ""));

    [TestCase("a\n{% if true %}\nb\n{% endif %}\nc", "a\nb\nc", TestName = "Trim_blocks_removes_the_newline_after_a_block_tag")]
    [TestCase("a\n    {% if true %}\nb\n    {% endif %}\nc", "a\nb\nc", TestName = "Lstrip_blocks_removes_indentation_before_a_block_tag")]
    [TestCase("a\n  {{ 'x' }}\nb", "a\n  x\nb", TestName = "Expression_tags_keep_their_indentation_and_newline")]
    [TestCase("x\na  {% if true %}b{% endif %}", "x\na  b", TestName = "Lstrip_blocks_keeps_spaces_after_text_on_the_same_line")]
    [TestCase("a\n{# note #}\nb", "a\nb", TestName = "A_comment_line_disappears_entirely")]
    [TestCase("a  \n  {%- if true %}b{% endif %}", "ab", TestName = "Minus_on_the_left_strips_all_whitespace_before_the_tag")]
    [TestCase("{% if true -%}  \n\n  b{% endif %}", "b", TestName = "Minus_on_the_right_strips_all_whitespace_after_the_tag")]
    [TestCase("{{- ' x ' -}}  \n  y", " x y", TestName = "Minus_on_an_expression_strips_around_it_not_inside_it")]
    [TestCase("a\n", "a", TestName = "The_final_newline_of_the_template_is_dropped")]
    [TestCase("a\n\n", "a\n", TestName = "Only_one_final_newline_is_dropped")]
    [TestCase("a\r\nb", "a\nb", TestName = "Windows_line_endings_become_newlines")]
    [TestCase("{{ 'it\\'s' }}|{{ \"tab\\there\" }}", "it's|tab\there", TestName = "String_literals_understand_escapes")]
    [TestCase("{{ {'a': {'b': 1}} }}", "{'a': {'b': 1}}", TestName = "Closing_braces_of_a_nested_dict_do_not_end_the_expression")]
    public void Whitespace_and_literals(string template, string expected) =>
        Assert.That(Render(template), Is.EqualTo(expected));

    [Test]
    public void A_parse_error_reports_line_and_column()
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("ok\n  {{ 1 + }}"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Column, Is.EqualTo(10));
        });
    }
}
