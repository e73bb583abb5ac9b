using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Sluice.Cli.Commands;

namespace Sluice.Cli;

/// <summary>
/// The <c>sluice</c> command tree. <c>Program.Main</c> only forwards to <see cref="RunAsync"/>; tests run the CLI
/// in-process with their own writers. Exit codes: 0 success, 1 a request failed, 2 a usage error, 130 cancelled.
/// Bare <c>sluice</c> prints the help and exits 0.
/// </summary>
internal sealed class CliApp
{
    /// <summary>Exit code of a failed request.</summary>
    public const int RequestFailed = 1;

    /// <summary>Exit code of a usage error (bad flags or arguments).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when Ctrl+C / SIGTERM stopped the command.</summary>
    public const int Cancelled = 130;

    private readonly CliContext _context;

    // '@file' is not a response file: a message body or queue name starting with '@' is taken as written.
    private static readonly ParserConfiguration ParserConfiguration = new() { ResponseFileTokenReplacer = null };

    /// <summary>Creates the command tree.</summary>
    /// <param name="output">Where results go (stdout).</param>
    /// <param name="error">Where error lines go (stderr).</param>
    /// <param name="input">Where <c>send</c> reads a body from when none is given (stdin); default empty.</param>
    /// <param name="environment">Environment variable lookup (default: the process environment).</param>
    public CliApp(TextWriter output, TextWriter error, Stream? input = null, Func<string, string?>? environment = null)
    {
        _context = new CliContext(output, error, input ?? Stream.Null, environment ?? Environment.GetEnvironmentVariable);
        Root = Build(_context);
    }

    /// <summary>Whether the input stream is an interactive terminal; default <see langword="false"/>.</summary>
    public bool InputIsTerminal
    {
        get => _context.InputIsTerminal;
        init => _context.InputIsTerminal = value;
    }

    /// <summary>The root command.</summary>
    public RootCommand Root { get; }

    /// <summary>Parses and runs <paramref name="args"/>, returning the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var parseResult = Parse(args);
        var config = new InvocationConfiguration
        {
            Output = _context.Output,
            Error = _context.Error,
            // Ctrl+C / SIGTERM cancel the action's token; 'serve' needs time to finish running requests and close the store.
            ProcessTerminationTimeout = ServeCommand.ShutdownTimeout + TimeSpan.FromSeconds(5),
        };
        // An unknown subcommand ('queue bogus') is named below; System.CommandLine's "Required command was not provided" would only repeat it.
        var unknownSubcommand = parseResult.UnmatchedTokens.Count > 0 && parseResult.CommandResult.Command.Subcommands.Count > 0;
        var errors = parseResult.Errors.Where(e => !(unknownSubcommand && e.SymbolResult == parseResult.CommandResult)).Select(e => e.Message)
            .Concat(Unmatched(parseResult)).Concat(UnknownOptions(parseResult)).ToList();
        var suggesting = Root.Directives.OfType<SuggestDirective>().Any(d => parseResult.GetResult(d) is not null);
        if (errors.Count > 0 && parseResult.Action is not HelpAction && !suggesting)
        {
            foreach (var error in errors)
                await _context.Error.WriteLineAsync("error: " + error).ConfigureAwait(false);
            await _context.Error.WriteLineAsync($"run '{CommandPath(parseResult)} --help' for usage").ConfigureAwait(false);
            return UsageError;
        }

        return await parseResult.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tokens that look like options but name none of the command's. System.CommandLine's tokenizer gives any token it
    /// does not know as an option the type Argument, so a free argument slot (a message body, an optional queue name)
    /// swallows it: <c>send q --jsn</c> would send the body "--jsn". Here such a token is an unknown option, a usage
    /// error; a value that really starts with '-' goes after <c>--</c> (and '-' alone is stdin).
    /// </summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parseResult)
    {
        var afterDoubleDash = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        var seenDoubleDash = false;
        foreach (var token in parseResult.Tokens)
        {
            if (seenDoubleDash)
                afterDoubleDash.Add(token);
            seenDoubleDash |= token.Type == TokenType.DoubleDash;
        }

        for (var command = parseResult.CommandResult; command is not null; command = command.Parent as CommandResult)
        {
            foreach (var argument in command.Children.OfType<ArgumentResult>())
            {
                foreach (var token in argument.Tokens)
                {
                    if (token.Value.Length > 1 && token.Value[0] == '-' && !afterDoubleDash.Contains(token))
                    {
                        yield return $"unknown option '{token.Value}' for '{CommandPath(parseResult)}' " +
                            $"(to give {argument.Argument.Name.ToUpperInvariant()} a value that starts with '-', put it after '--')";
                    }
                }
            }
        }
    }

    /// <summary>
    /// Parses <paramref name="args"/> with System.CommandLine's own report of unmatched tokens off (turning it off on
    /// the root turns it off for every command): <see cref="Unmatched"/> reports them instead, in one wording. The
    /// switch is on again once parsed, because the help reads it too: off, every usage line would end in
    /// "[[--] &lt;additional arguments&gt;...]]", which no command takes.
    /// </summary>
    private ParseResult Parse(IReadOnlyList<string> args)
    {
        Root.TreatUnmatchedTokensAsErrors = false;
        try
        {
            return Root.Parse(args, ParserConfiguration);
        }
        finally
        {
            Root.TreatUnmatchedTokensAsErrors = true;
        }
    }

    /// <summary>
    /// Tokens no option or argument took (<c>queue show q --bogus</c>, <c>completion bash --json</c>), in the same words
    /// as <see cref="UnknownOptions"/>: every command leaves them to this method instead of System.CommandLine's
    /// "Unrecognized command or argument" (<see cref="Parse"/> turns that off).
    /// </summary>
    private static IEnumerable<string> Unmatched(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        foreach (var token in parseResult.UnmatchedTokens)
        {
            yield return token.Length > 1 && token[0] == '-'
                ? $"unknown option '{token}' for '{CommandPath(parseResult)}'"
                : command.Subcommands.Count > 0
                    ? $"unknown command '{token}' for '{CommandPath(parseResult)}': use {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}"
                    : $"unexpected argument '{token}' for '{CommandPath(parseResult)}'";
        }
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(result.Command is RootCommand ? "sluice" : result.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Sluice: a durable queue server. 'sluice serve' runs it; the other verbs administer it over HTTP.");
        // Bare 'sluice' prints the help (exit 0), like 'sluice --help'.
        root.SetAction(parseResult => new HelpAction().Invoke(parseResult));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(QueueCommands.Create(context));
        root.Subcommands.Add(MessageCommands.CreateSend(context));
        root.Subcommands.Add(MessageCommands.CreateReceive(context));
        root.Subcommands.Add(MessageCommands.CreateAck(context));
        root.Subcommands.Add(MessageCommands.CreateNack(context));
        root.Subcommands.Add(MessageCommands.CreateExtend(context));
        root.Subcommands.Add(DlqCommands.Create(context));
        root.Subcommands.Add(StreamCommands.Create(context));
        root.Subcommands.Add(TopicCommands.Create(context));
        root.Subcommands.Add(StatsCommand.Create(context));
        root.Subcommands.Add(ClusterCommand.Create(context));
        root.Subcommands.Add(AuthCommands.Create(context));
        root.Subcommands.Add(CompletionCommand.Create(context));
        return root;
    }
}
