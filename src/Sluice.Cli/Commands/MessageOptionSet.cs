using System.CommandLine;

namespace Sluice.Cli.Commands;

/// <summary>
/// The body argument and message options one published message takes (<c>sluice send</c>, <c>sluice topic publish</c>):
/// declared, checked and read into an <see cref="OutgoingMessageRequest"/> in one place.
/// </summary>
internal sealed class MessageOptionSet
{
    public MessageOptionSet(string delayDescription, string dedupDescription, string groupDescription)
    {
        Delay = Options.Seconds("--delay", delayDescription).Sets("delaySeconds");
        Dedup = new Option<string>("--dedup-id") { Description = dedupDescription, HelpName = "ID" };
        Group = new Option<string>("--group-id", "-g") { Description = groupDescription, HelpName = "ID" };
    }

    public Argument<string?> Body { get; } = new("body")
    {
        Description = "The message body; omit it or give '-' to read the body from stdin",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<FileInfo> File { get; } = new("--file", "-f") { Description = "Read the body from this file", HelpName = "PATH" };

    public Option<string[]> Attrs { get; } = new("--attr", "-a")
    {
        Description = "An attribute: name=value (String) or name:Type=value (Type: String, Number, Binary as base64); repeatable",
        HelpName = "NAME[:TYPE]=VALUE",
    };

    public Option<double?> Delay { get; }

    public Option<int?> Priority { get; } = new Option<int?>("--priority", "-p") { Description = "Priority 0 (lowest, default) to 9 (highest)", HelpName = "0-9" }
        .Parsed(p => p is >= 0 and <= 9, "give 0 (lowest) to 9 (highest)");

    public Option<string> Dedup { get; }

    public Option<string> Group { get; }

    /// <summary>The body argument, then the options.</summary>
    public IEnumerable<Symbol> Symbols => [Body, File, Attrs, Delay, Priority, Dedup, Group];

    /// <summary>Refuses a body given twice and malformed attributes at parse time.</summary>
    public void AddValidator(Command command) => command.Validators.Add(r =>
    {
        if (r.GetValue(File) is not null && r.GetValue(Body) is not null)
            r.AddError("give the body either as an argument or with --file, not both");
        foreach (var attr in r.GetValue(Attrs) ?? [])
        {
            if (!MessageCommands.TryParseAttribute(attr, out _, out _, out var problem))
                r.AddError(problem);
        }
    });

    /// <summary>Reads the body (argument, file or stdin) and the options into a message.</summary>
    public async Task<OutgoingMessageRequest> ReadAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var bytes = await MessageCommands.ReadBodyAsync(context, parseResult.GetValue(Body), parseResult.GetValue(File), cancellationToken).ConfigureAwait(false);
        Dictionary<string, MessageAttributeValue>? attributes = null;
        foreach (var attr in parseResult.GetValue(Attrs) ?? [])
        {
            _ = MessageCommands.TryParseAttribute(attr, out var attrName, out var value, out _);
            attributes ??= new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
            attributes[attrName] = value!;
        }

        var text = MessageCommands.TryDecodeUtf8(bytes);
        return new OutgoingMessageRequest
        {
            Body = text is null ? null : new Utf8Text(bytes),
            BodyBase64 = text is null ? bytes.AsMemory() : (ReadOnlyMemory<byte>?)null,
            Attributes = attributes,
            Priority = parseResult.GetValue(Priority),
            DelaySeconds = parseResult.GetValue(Delay),
            DeduplicationId = parseResult.GetValue(Dedup),
            MessageGroupId = parseResult.GetValue(Group),
        };
    }
}
