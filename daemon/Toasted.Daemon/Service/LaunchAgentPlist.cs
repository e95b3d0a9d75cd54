using System.Text;
using System.Xml;

namespace Toasted.Daemon.Service;

/// <summary>The launchd LaunchAgent property list for a <see cref="ServiceDefinition"/>
/// (launchd.plist(5)): started at login, started again after a failure, its output appended to the
/// log file. Pure text, so it is checked on any machine.</summary>
public static class LaunchAgentPlist
{
    public static string For(ServiceDefinition service)
    {
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using (var stringWriter = new Utf8StringWriter(text))
        using (var writer = XmlWriter.Create(stringWriter, settings))
        {
            writer.WriteStartDocument();
            writer.WriteDocType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null);
            writer.WriteStartElement("plist");
            writer.WriteAttributeString("version", "1.0");
            writer.WriteStartElement("dict");

            Key(writer, "Label");
            writer.WriteElementString("string", ServicePaths.LaunchdLabel);
            Key(writer, "ProgramArguments");
            writer.WriteStartElement("array");
            foreach (var argument in new[] { service.ExecutablePath }.Concat(service.Arguments))
                writer.WriteElementString("string", argument);
            writer.WriteEndElement();
            Key(writer, "RunAtLoad");
            writer.WriteElementString("true", null);
            // Restarted when it exits with a failure, not after a clean stop (SIGTERM exits 0).
            Key(writer, "KeepAlive");
            writer.WriteStartElement("dict");
            Key(writer, "SuccessfulExit");
            writer.WriteElementString("false", null);
            writer.WriteEndElement();
            Key(writer, "ThrottleInterval");
            writer.WriteElementString("integer", service.RestartDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Key(writer, "ProcessType");
            writer.WriteElementString("string", "Interactive");
            Key(writer, "StandardOutPath");
            writer.WriteElementString("string", service.LogFile);
            Key(writer, "StandardErrorPath");
            writer.WriteElementString("string", service.LogFile);

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return text.Append('\n').ToString();
    }

    private static void Key(XmlWriter writer, string name) => writer.WriteElementString("key", name);

    /// <summary>So the XML declaration says UTF-8, which is what the file is written in.</summary>
    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder, System.Globalization.CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
