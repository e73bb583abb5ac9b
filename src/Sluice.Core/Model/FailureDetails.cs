using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice;

/// <summary>
/// A processing failure recorded as data, so that it can cross processes and be read back: the exception's type,
/// message and stack trace, and the history of every attempt. The worker (Sluice.Worker) writes it as a nack's
/// <c>error</c> text (<see cref="ToErrorText"/>), so it travels with the message and ends up in
/// <see cref="DeadLetterInfo.LastError"/> when the message is dead-lettered; the dead-letter workspace reads it back
/// with <see cref="TryParse"/> to group failures by cause.
/// </summary>
/// <remarks>
/// The text form is a JSON object with the marker property <c>"sluiceFailure": 1</c> and the properties
/// <c>type</c>, <c>message</c>, <c>stackTrace</c>, <c>nonRetryable</c> and <c>attempts</c> (each <c>attempt</c>,
/// <c>at</c> (ISO 8601), <c>worker</c>, <c>exceptionType</c>, <c>message</c>). It is cut to fit <see cref="MaxTextLength"/>
/// characters (the broker's limit for a nack's error): the oldest attempts go first, then the stack trace's last
/// lines; the first and the last attempt are always kept.
/// </remarks>
public sealed record FailureDetails
{
    /// <summary>The most characters <see cref="ToErrorText"/> produces: 4,096, the broker's limit for a nack's error.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>The most characters kept of one message (the failure's or an attempt's): 500.</summary>
    public const int MaxMessageLength = 500;

    /// <summary>Full name of the exception's type, e.g. <c>System.TimeoutException</c>.</summary>
    public required string ExceptionType { get; init; }

    /// <summary>The exception's message (at most <see cref="MaxMessageLength"/> characters are kept).</summary>
    public required string Message { get; init; }

    /// <summary>The exception's stack trace as .NET prints it (<c>   at Namespace.Type.Method(...) in path:line N</c> lines), if any.</summary>
    public string? StackTrace { get; init; }

    /// <summary>True when the failure is not worth retrying (the job was dead-lettered at once).</summary>
    public bool NonRetryable { get; init; }

    /// <summary>Every attempt so far, oldest first (the last one is this failure).</summary>
    public IReadOnlyList<FailureAttempt> Attempts { get; init; } = [];

    /// <summary>Builds the details of <paramref name="exception"/> (type, message, stack trace, inner exceptions' messages not included).</summary>
    /// <param name="exception">The failure.</param>
    /// <param name="attempts">The attempts so far, oldest first, this one included.</param>
    /// <param name="nonRetryable">Whether the failure is not retried.</param>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static FailureDetails FromException(Exception exception, IReadOnlyList<FailureAttempt>? attempts = null, bool nonRetryable = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FailureDetails
        {
            ExceptionType = exception.GetType().FullName ?? exception.GetType().Name,
            Message = Cut(exception.Message, MaxMessageLength),
            StackTrace = exception.StackTrace,
            NonRetryable = nonRetryable,
            Attempts = attempts ?? [],
        };
    }

    /// <summary>The text form (a JSON object, at most <see cref="MaxTextLength"/> characters); see the remarks on <see cref="FailureDetails"/>.</summary>
    public string ToErrorText()
    {
        var attempts = Attempts.Select(a => a with { Message = Cut(a.Message, MaxMessageLength) }).ToList();
        var stack = StackTrace;
        var wire = new Wire(1, ExceptionType, Cut(Message, MaxMessageLength), stack, NonRetryable, attempts);
        var text = Serialize(wire);
        // Drop attempts from the oldest (keeping the first and the last), then stack lines from the end, until it fits.
        while (text.Length > MaxTextLength && attempts.Count > 2)
        {
            attempts.RemoveAt(1);
            text = Serialize(wire with { Attempts = attempts });
        }
        while (text.Length > MaxTextLength && !string.IsNullOrEmpty(stack))
        {
            var cut = stack.LastIndexOf('\n');
            stack = cut > 0 ? stack[..cut] : null;
            text = Serialize(wire with { Attempts = attempts, StackTrace = stack });
        }
        return text.Length <= MaxTextLength
            ? text
            : Serialize(wire with { Attempts = [], StackTrace = null, Message = Cut(Message, 200) });
    }

    /// <summary>Reads the text form back.</summary>
    /// <param name="text">A nack's error or <see cref="DeadLetterInfo.LastError"/>; may be null or free text.</param>
    /// <param name="details">The details, when <paramref name="text"/> is the text form.</param>
    /// <returns>
    /// True when <paramref name="text"/> is a well-formed text form as written by <see cref="ToErrorText"/> (type and
    /// message present, every attempt present with its number, worker, exception type and message); false for
    /// anything else, a document with null or missing parts included (never throws).
    /// </returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out FailureDetails? details)
    {
        details = null;
        if (text is null || !text.StartsWith("{\"sluiceFailure\":1", StringComparison.Ordinal))
        {
            return false;
        }
        try
        {
            var wire = JsonSerializer.Deserialize(text, FailureJsonContext.Default.Wire);
            if (wire is null || wire.SluiceFailure != 1 || wire.Type is null || wire.Message is null || !WellFormed(wire.Attempts))
            {
                return false; // a document with missing or null parts is not one: the caller reads the text as free text
            }
            details = new FailureDetails
            {
                ExceptionType = wire.Type,
                Message = wire.Message,
                StackTrace = wire.StackTrace,
                NonRetryable = wire.NonRetryable,
                Attempts = wire.Attempts ?? [],
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Whether every attempt is present with all its parts (JSON may leave out, or null, what the types say is required).</summary>
    private static bool WellFormed(IReadOnlyList<FailureAttempt>? attempts)
    {
        foreach (var attempt in attempts ?? [])
        {
            // The deserializer fills missing strings with null whatever the annotations say.
            if (attempt is null || attempt.Worker is null || attempt.ExceptionType is null || attempt.Message is null || attempt.Attempt < 1)
            {
                return false;
            }
        }

        return true;
    }

    private static string Serialize(Wire wire) => JsonSerializer.Serialize(wire, FailureJsonContext.Default.Wire);

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];

    internal sealed record Wire(
        int SluiceFailure, string? Type, string? Message, string? StackTrace, bool NonRetryable, IReadOnlyList<FailureAttempt>? Attempts);
}

/// <summary>One attempt at processing a message that failed.</summary>
/// <param name="Attempt">The attempt number, from 1 (the message's receive count at the time).</param>
/// <param name="At">When the attempt failed.</param>
/// <param name="Worker">Which worker ran it (e.g. <c>host/pid</c>).</param>
/// <param name="ExceptionType">Full name of the exception's type.</param>
/// <param name="Message">The exception's message (at most <see cref="FailureDetails.MaxMessageLength"/> characters kept).</param>
public sealed record FailureAttempt(int Attempt, DateTimeOffset At, string Worker, string ExceptionType, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(FailureDetails.Wire))]
internal sealed partial class FailureJsonContext : JsonSerializerContext;
