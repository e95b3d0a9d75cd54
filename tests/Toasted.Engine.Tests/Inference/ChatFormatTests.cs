using NUnit.Framework;
using Toasted.Engine.ChatTemplates;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Tests.Inference;

/// <summary>
/// Which prompt format a model gets: its own template when the file has one (the renderings
/// themselves are checked against llama.cpp in ChatTemplateCorpusTests), raw text otherwise.
/// </summary>
public class ChatFormatTests
{
    private static readonly ChatTemplateContext Context = new("<s>", "</s>");

    [Test]
    public void A_model_without_a_template_gets_the_raw_contents_joined_by_blank_lines()
    {
        var format = ChatFormat.FromTemplate(null, Context);
        Assert.That(format.Name, Is.EqualTo("raw"));
        Assert.That(format.Render([new("system", "Be brief."), new("user", "Explain.")], true), Is.EqualTo("Be brief.\n\nExplain."));
    }

    [Test]
    public void A_model_with_a_template_renders_it()
    {
        const string template = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
        var format = ChatFormat.FromTemplate(template, Context);
        Assert.That(format.Name, Is.EqualTo("template"));
        Assert.That(format.Render([new("user", "Hi")], true), Is.EqualTo("<s><user>Hi<assistant>"));
    }

    [Test]
    public void A_template_that_does_not_parse_fails_every_render_with_its_position()
    {
        var format = ChatFormat.FromTemplate("{% for m in messages %}\n{{ m.content }", Context);
        var e = Assert.Throws<ChatTemplateException>(() => format.Render([new("user", "Hi")], true))!;
        Assert.That(e.Line, Is.EqualTo(2));
    }
}
