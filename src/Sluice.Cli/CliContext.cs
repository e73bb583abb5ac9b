using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli;

/// <summary>
/// What every command shares: the writers, stdin, the environment, the <c>--url</c> and <c>--json</c> options, and the
/// error policy (exit codes and the hints added to server errors).
/// </summary>
internal sealed partial class CliContext
{
    /// <summary>The REST API address used when neither <c>--url</c> nor <c>SLUICE_URL</c> is set.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7480";

    /// <summary>Environment variable that sets the server address.</summary>
    public const string UrlVariable = "SLUICE_URL";

    public CliContext(TextWriter output, TextWriter error, Stream input, Func<string, string?> environment)
    {
        Output = output;
        Error = error;
        Input = input;
        Environment = environment;
        UrlOption = new Option<string>("--url")
        {
            Description = $"The Sluice server's REST address [default: ${UrlVariable}, else {DefaultUrl}]",
            // Given to each client command (and, recursively, to the verbs of 'queue' and 'dlq'); 'serve' has no --url.
            Recursive = true,
            HelpName = "URL",
        };
        UrlOption.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is not null && !TryParseUrl(value, out _))
                result.AddError(InvalidUrl(value, "--url"));
        });
    }

    public TextWriter Output { get; }

    /// <summary>
    /// <c>--json</c>: print the result as one line of JSON (shapes in docs/cli.md) instead of text. Recursive, and given
    /// to every command that prints a result.
    /// </summary>
    public Option<bool> JsonOption { get; } = new("--json")
    {
        Description = "Print the result as one line of JSON (the shapes are in docs/cli.md)",
        Recursive = true,
    };

    public TextWriter Error { get; }

    public Stream Input { get; }

    /// <summary>Whether <see cref="Input"/> is an interactive terminal (a body read from it needs a hint to end it).</summary>
    public bool InputIsTerminal { get; set; }

    public Func<string, string?> Environment { get; }

    public Option<string> UrlOption { get; }

    /// <summary>
    /// Creates a top-level command that talks to the server: it takes <c>--url</c> and <c>--json</c> (recursive, so its
    /// verbs have them too), then <paramref name="symbols"/>. A verb under it is made with <see cref="Verb"/>: adding
    /// the options again would list them twice in its help.
    /// </summary>
    public Command ClientCommand(string name, string description, params IEnumerable<Symbol> symbols)
    {
        var command = Verb(name, description, symbols);
        command.Options.Add(UrlOption);
        command.Options.Add(JsonOption);
        AddKeyOptions(command);
        return command;
    }

    /// <summary>Creates a command with <paramref name="symbols"/> (arguments and options, in order).</summary>
    public static Command Verb(string name, string description, params IEnumerable<Symbol> symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        return command;
    }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json(ParseResult parseResult) => parseResult.GetValue(JsonOption);

    /// <summary>Writes <paramref name="value"/> to stdout as one line of JSON.</summary>
    public Task WriteJsonAsync<T>(T value, JsonTypeInfo<T> type) =>
        Output.WriteLineAsync(JsonSerializer.Serialize(value, type));

    /// <summary>A Spectre console writing to <see cref="Output"/>; plain text (no colours, wide) unless it is the terminal.</summary>
    public IAnsiConsole CreateConsole()
    {
        var terminal = ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = 200;
        return console;
    }

    /// <summary>
    /// Runs a command body against the server named by <c>--url</c> / <c>SLUICE_URL</c>, turning failures into one
    /// <c>error: ...</c> line and an exit code.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parseResult, Func<SluiceHttpClient, Task<int>> body, CancellationToken cancellationToken)
    {
        var url = parseResult.GetValue(UrlOption);
        var source = "--url";
        if (url is null)
        {
            url = Environment(UrlVariable);
            source = UrlVariable;
            if (string.IsNullOrWhiteSpace(url))
                url = DefaultUrl;
        }

        if (!TryParseUrl(url, out var uri))
            return await FailAsync(InvalidUrl(url, source), CliApp.UsageError).ConfigureAwait(false);

        var apiKey = await ApiKeyAsync(parseResult, uri, cancellationToken).ConfigureAwait(false);
        using var client = new SluiceHttpClient(uri, apiKey: apiKey);
        return await RunAsync(async () =>
        {
            try
            {
                return await body(client).ConfigureAwait(false);
            }
            catch (CliException e) when (e.Field is { } field &&
                                         Commands.RestFields.InTermsOf(parseResult.CommandResult.Command, field, e.Message) is var message && message != e.Message)
            {
                // The server names its REST field; the user typed an option: say it in the user's terms.
                throw new CliException(message, e.Code, e) { Queue = e.Queue, Field = e.Field, SaysWhatToDo = e.SaysWhatToDo };
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a command body, turning <see cref="CliException"/> and cancellation into an exit code.</summary>
    public async Task<int> RunAsync(Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliException e)
        {
            // A value given was refused (a field out of range, a bad queue name, a receipt handle no receive issued): a usage error.
            var usage = e.Code is ErrorCodes.InvalidArgument or ErrorCodes.InvalidQueueName or ErrorCodes.ReceiptHandleInvalid or ErrorCodes.InvalidStreamName or ErrorCodes.StreamIdInvalid
                or ErrorCodes.InvalidTopicName;
            return await FailAsync(e.Message + Hint(e), usage ? CliApp.UsageError : CliApp.RequestFailed).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliApp.Cancelled;
        }
    }

    /// <summary>Writes <c>error: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public async Task<int> FailAsync(string message, int exitCode = CliApp.RequestFailed)
    {
        await Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>
    /// What a CLI user runs to fix a server error, by error code: the server's messages name the REST fields, the CLI
    /// names the command. Empty when there is nothing to add.
    /// </summary>
    internal static string Hint(CliException e)
    {
        if (e.SaysWhatToDo)
            return "";

        var queue = e.Queue ?? "NAME";
        return e.Code switch
        {
            // The server states the fact only (every verb raises it); the CLI names the command that makes the queue
            // the request is about (a missing dead-letter or destination queue names itself in the message).
            ErrorCodes.QueueNotFound when e.Field == "queue" => $" (to create it: sluice queue create {queue})",
            ErrorCodes.QueueAlreadyExists => $" (to change its options: sluice queue update {queue} [options])",
            ErrorCodes.MessageTooLarge => $" (to raise the limit: sluice queue update {queue} --max-message-size BYTES)",
            ErrorCodes.QueueFull => $" (to make room: sluice queue update {queue} --max-length N, or --overflow drop-head)",
            ErrorCodes.Unauthenticated => UnauthenticatedHint,
            ErrorCodes.AccessDenied => " (an admin can create a key with that permission: sluice auth key create NAME --grant PATTERN:PERMISSIONS)",
            _ => "",
        };
    }

    private static bool TryParseUrl(string value, out Uri uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri!) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static string InvalidUrl(string value, string source) =>
        $"server address '{value}' (from {source}) is invalid: use an absolute http:// or https:// URL such as {DefaultUrl}";
}
