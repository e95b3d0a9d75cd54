namespace Toasted.Client;

/// <summary>The text of <c>toast --help</c>.</summary>
public static class HelpText
{
    public const string Usage = """
        usage: toast [flags] [INSTRUCTION] [FILE...]
               toast status [--json] [--watch]   (see toast status --help)

        Sends INSTRUCTION and the input (the FILEs, or stdin when it is not a terminal) to the local
        toasted daemon and streams the model's answer to stdout. Errors go to stderr.

          -s, --system TEXT        system message (with --raw: the first part of the prompt)
          -n, --max-tokens N       stop after N tokens (default: until the model ends)
          -t, --temperature X      0 is greedy (default 0.8)
              --top-k N            (default 40; 0 disables)
              --top-p X            (default 0.95)
              --min-p X            (default 0.05)
              --repeat-penalty X   (default 1.0: off)
              --seed N             sampling seed (default: random)
              --stop TEXT          stop before TEXT; repeatable
              --raw                no chat template: the prompt is system, instruction and input
                                   joined by blank lines, continued as plain text
              --json               print one JSON object at the end instead of streaming:
                                   text, stop_reason, usage, timings
          -m, --model NAME|PATH    require this model (exit 6 if the daemon serves another)
              --socket PATH        the daemon's socket (env TOASTED_SOCKET)
              --no-autostart       do not start toasted when it is not running: exit 3
                                   (env TOAST_NO_AUTOSTART=1)
          -h, --help               this text
              --version            the version

        exit codes: 0 ok, 1 internal error, 2 usage, 3 daemon not running, 4 queue full,
                    5 input does not fit the context, 6 model not available, 130 interrupted

        examples:
          cat notes.txt | toast "summarize in three bullet points"
          toast --raw -t 0 -n 64 "Once upon a time" </dev/null
          find . -name '*.md' -print0 | xargs -0 -n1 -P4 toast "one-line summary of this file:"
        """;
}
