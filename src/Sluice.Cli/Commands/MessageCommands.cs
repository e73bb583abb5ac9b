using System.CommandLine;
using System.Text;
using Sluice.Cli.Http;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice send|receive|ack|nack|extend</c>.</summary>
internal static class MessageCommands
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static Argument<string> QueueArgument() => new("queue") { Description = "The queue name" };

    private static Argument<string> HandleArgument() => new("handle") { Description = "The receipt handle printed by 'sluice receive --no-ack'" };

    public static Command CreateSend(CliContext context)
    {
        var queue = QueueArgument();
        var message = new MessageOptionSet(
            "Delay before the message becomes visible [default: the queue's delivery delay]",
            "Deduplication id: a resend with the same id within the queue's window is not enqueued again",
            "Message group (required on FIFO queues: order is kept within a group)");
        var command = context.ClientCommand("send", "Send one message; prints its id (and 'duplicate' when the dedup id was seen).", [queue, .. message.Symbols]);
        message.AddValidator(command);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var outgoing = await message.ReadAsync(context, parseResult, ct).ConfigureAwait(false);
            var result = await client.PublishAsync(parseResult.GetRequiredValue(queue), outgoing, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(result, OutputJsonContext.Default.PublishResultResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync(result.Duplicate ? $"{result.MessageId} duplicate" : result.MessageId.ToString()).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    public static Command CreateReceive(CliContext context)
    {
        var queue = QueueArgument();
        var max = new Option<int>("--max", "-n") { Description = "Most messages to receive, 1-100", DefaultValueFactory = _ => 1, HelpName = "N" }
            .ParsedWithDefault(n => n is >= 1 and <= 100, "give 1 to 100");
        var wait = Options.Seconds("--wait", "Long-poll: wait up to this long for a message (server maximum 20s) [default 0s]").Sets("waitTimeSeconds");
        var visibility = Options.Seconds("--visibility", "Lease length for these messages [default: the queue's visibility timeout]").Sets("visibilityTimeoutSeconds");
        var noAck = new Option<bool>("--no-ack") { Description = "Do not acknowledge: print receipt handles and leave the messages leased" };

        var command = context.ClientCommand("receive", "Receive messages and print them; acknowledges them after printing unless --no-ack.", queue, max, wait, visibility, noAck);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(queue);
            var request = new ReceiveRequest
            {
                MaxMessages = parseResult.GetValue(max),
                WaitTimeSeconds = parseResult.GetValue(wait),
                VisibilityTimeoutSeconds = parseResult.GetValue(visibility),
            };
            var messages = await client.ReceiveAsync(queueName, request, ct).ConfigureAwait(false);
            var ack = !parseResult.GetValue(noAck);

            if (context.Json(parseResult))
            {
                var shown = ack ? messages.Select(m => m with { ReceiptHandle = null }).ToList() : [.. messages];
                await context.WriteJsonAsync(new MessageListResponse(shown), OutputJsonContext.Default.MessageListResponse).ConfigureAwait(false);
            }
            else if (messages.Count == 0)
            {
                await context.Error.WriteLineAsync($"no messages in '{queueName}'").ConfigureAwait(false);
            }
            else
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    if (i > 0)
                        await context.Output.WriteLineAsync().ConfigureAwait(false);
                    await WriteMessageAsync(context.Output, messages[i], showHandle: !ack).ConfigureAwait(false);
                }
            }

            await context.Output.FlushAsync(ct).ConfigureAwait(false);
            if (!ack || messages.Count == 0)
                return 0;

            // Printed: now acknowledge. A failure here means the message will be delivered again.
            var results = await client.AckBatchAsync(queueName, [.. messages.Select(m => m.ReceiptHandle ?? "")], CancellationToken.None).ConfigureAwait(false);
            var failed = results.Where(r => !r.Ok).ToList();
            foreach (var f in failed)
                await context.Error.WriteLineAsync($"error: ack failed ({f.Code}): {f.Message}: the message will be delivered again").ConfigureAwait(false);
            return failed.Count == 0 ? 0 : CliApp.RequestFailed;
        }, ct));
        return command;
    }

    public static Command CreateAck(CliContext context)
    {
        var queue = QueueArgument();
        var handle = HandleArgument();
        var command = context.ClientCommand("ack", "Acknowledge (delete) a received message.", queue, handle);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            await client.AckAsync(parseResult.GetRequiredValue(queue), parseResult.GetRequiredValue(handle), ct).ConfigureAwait(false);
            await WriteSettledAsync(context, parseResult, parseResult.GetRequiredValue(handle), "acked").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    public static Command CreateNack(CliContext context)
    {
        var queue = QueueArgument();
        var handle = HandleArgument();
        var delay = Options.Seconds("--delay", "Keep the message invisible this long before redelivery [default 0s]").Sets("delaySeconds");
        var error = new Option<string>("--error") { Description = "Why processing failed (kept with the message if it is dead-lettered)", HelpName = "TEXT" };
        var command = context.ClientCommand("nack", "Release a received message for redelivery.", queue, handle, delay, error);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            await client.NackAsync(parseResult.GetRequiredValue(queue), parseResult.GetRequiredValue(handle),
                parseResult.GetValue(delay), parseResult.GetValue(error), ct).ConfigureAwait(false);
            await WriteSettledAsync(context, parseResult, parseResult.GetRequiredValue(handle), "nacked").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    public static Command CreateExtend(CliContext context)
    {
        var queue = QueueArgument();
        var handle = HandleArgument();
        var visibility = Options.Seconds("--visibility", "New lease length, from now").Sets("visibilityTimeoutSeconds");
        visibility.Required = true;
        var command = context.ClientCommand("extend", "Extend the lease of a received message (a heartbeat).", queue, handle, visibility);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var until = await client.ExtendAsync(parseResult.GetRequiredValue(queue), parseResult.GetRequiredValue(handle),
                parseResult.GetValue(visibility) ?? 0, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new ExtendResponse(until), OutputJsonContext.Default.ExtendResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync("visible until " + Format.Time(until)).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    /// <summary>What <c>ack</c> and <c>nack</c> print: the word, or <c>{"receiptHandle","ok":true}</c> with <c>--json</c>.</summary>
    private static Task WriteSettledAsync(CliContext context, ParseResult parseResult, string handle, string word) =>
        context.Json(parseResult)
            ? context.WriteJsonAsync(new AckResultResponse(handle, Ok: true, Code: null, Message: null), OutputJsonContext.Default.AckResultResponse)
            : context.Output.WriteLineAsync(word);

    internal static async Task WriteMessageAsync(TextWriter output, MessageResponse m, bool showHandle)
    {
        await output.WriteLineAsync("id: " + m.MessageId).ConfigureAwait(false);
        await output.WriteLineAsync("receive count: " + m.ReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        if (m.Priority != 0)
            await output.WriteLineAsync("priority: " + m.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        if (m.MessageGroupId is not null)
            await output.WriteLineAsync($"group: {m.MessageGroupId} (sequence {m.SequenceNumber})").ConfigureAwait(false);
        foreach (var (name, value) in m.Attributes)
            await output.WriteLineAsync($"attribute {name} ({value.DataType}): {value.StringValue ?? (value.BinaryValue is { } b ? Convert.ToBase64String(b.Span) : null)}").ConfigureAwait(false);
        if (showHandle && m.ReceiptHandle is not null)
            await output.WriteLineAsync("receipt handle: " + m.ReceiptHandle).ConfigureAwait(false);
        await output.WriteLineAsync(m.Body is { } text ? "body: " + text : "body (base64): " + Convert.ToBase64String(m.BodyBase64.GetValueOrDefault().Span)).ConfigureAwait(false);
    }

    internal static async Task<byte[]> ReadBodyAsync(CliContext context, string? body, FileInfo? file, CancellationToken ct)
    {
        if (file is not null)
        {
            try
            {
                return await File.ReadAllBytesAsync(file.FullName, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read --file '{file}': {e.Message}", null, e);
            }
        }

        if (body is not null && body != "-")
            return Encoding.UTF8.GetBytes(body);

        if (context.InputIsTerminal)
            await context.Error.WriteLineAsync("reading the body from stdin: end it with Ctrl+D (or pass it as an argument or with --file)").ConfigureAwait(false);

        using var buffer = new MemoryStream();
        await context.Input.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    internal static string? TryDecodeUtf8(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Parses <c>name=value</c> or <c>name:Type=value</c> (Type String, Number or Binary, optionally <c>.custom</c>).</summary>
    internal static bool TryParseAttribute(string text, out string name, out MessageAttributeValue? value, out string problem)
    {
        name = "";
        value = null;
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            problem = $"--attr '{text}' is invalid: use name=value or name:Type=value (Type String, Number or Binary)";
            return false;
        }

        var head = text[..eq];
        var raw = text[(eq + 1)..];
        var type = "String";
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            type = head[(colon + 1)..];
            head = head[..colon];
        }

        var baseType = type.Split('.', 2)[0];
        if (head.Length == 0 || baseType is not ("String" or "Number" or "Binary"))
        {
            problem = $"--attr '{text}' is invalid: use name=value or name:Type=value (Type String, Number or Binary, optionally .custom)";
            return false;
        }

        if (baseType == "Number" && !decimal.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            problem = $"--attr '{text}' is invalid: a Number attribute needs a number such as 42 or -1.5";
            return false;
        }

        if (baseType == "Binary")
        {
            Span<byte> scratch = new byte[raw.Length];
            if (!Convert.TryFromBase64String(raw, scratch, out _))
            {
                problem = $"--attr '{text}' is invalid: a Binary attribute needs base64 text";
                return false;
            }
        }

        name = head;
        value = baseType == "Binary" ? new MessageAttributeValue(type, BinaryValue: Convert.FromBase64String(raw)) : new MessageAttributeValue(type, StringValue: raw);
        problem = "";
        return true;
    }
}
