using System.Globalization;
using System.Text;

namespace Toasted.Daemon.Service;

/// <summary>The systemd --user unit for a <see cref="ServiceDefinition"/> (systemd.service(5),
/// systemd.syntax(7)). Pure text, so it is checked on any machine.</summary>
public static class SystemdUnitText
{
    public static string For(ServiceDefinition service)
    {
        var execStart = string.Join(' ', new[] { service.ExecutablePath }.Concat(service.Arguments).Select(Quote));
        var text = new StringBuilder();
        text.Append("# Written by `toasted install`; `toasted uninstall` removes it.\n");
        text.Append("[Unit]\n");
        text.Append("Description=toasted, the local LLM inference daemon\n");
        text.Append("\n[Service]\n");
        text.Append("Type=simple\n");
        text.Append("ExecStart=").Append(execStart).Append('\n');
        // SIGHUP reloads the configuration (docs/config.md); SIGTERM, systemd's stop signal, drains and exits 0.
        text.Append("ExecReload=/bin/kill -HUP $MAINPID\n");
        text.Append("Restart=on-failure\n");
        text.Append("RestartSec=").Append(service.RestartDelaySeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("TimeoutStopSec=30\n");
        // Start-up failures that happen before the log file is open still reach the journal.
        text.Append("StandardOutput=journal\n");
        text.Append("StandardError=journal\n");
        text.Append("\n[Install]\n");
        text.Append("WantedBy=default.target\n");
        return text.ToString();
    }

    /// <summary>One command-line word as systemd reads it: <c>%</c> doubled (specifiers), <c>$</c> doubled
    /// (variable expansion), and double-quoted with backslash and quote escaped when it holds anything
    /// else that systemd would split or interpret.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(character => char.IsAsciiLetterOrDigit(character) || "/._-+=:@,".Contains(character)))
            return word;
        var quoted = new StringBuilder("\"");
        foreach (var character in word)
        {
            quoted.Append(character switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '%' => "%%",
                '$' => "$$",
                '\n' => "\\n",
                _ => character.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
