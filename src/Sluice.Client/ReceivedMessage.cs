using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sluice.Client;

/// <summary>
/// A delivered message with its body deserialized as <typeparamref name="T"/> (System.Text.Json, source-generated
/// metadata). A body that does not deserialize is not skipped and does not end a receive loop: the message is
/// delivered with <see cref="Error"/> set, so the caller can settle it (dead-letter, nack or ack) on purpose.
/// </summary>
/// <typeparam name="T">The body's type.</typeparam>
public sealed class ReceivedMessage<T>
{
    private readonly T? _value;

    private ReceivedMessage(QueueMessage message, T? value, SluiceException? error)
    {
        Message = message;
        _value = value;
        Error = error;
    }

    /// <summary>The message as delivered (id, attributes, receive count, receipt handle, raw body).</summary>
    public QueueMessage Message { get; }

    /// <summary>The handle to ack, nack or extend this delivery (<see cref="QueueMessage.ReceiptHandle"/>).</summary>
    public string? ReceiptHandle => Message.ReceiptHandle;

    /// <summary>Why the body did not deserialize (<see cref="ErrorCodes.InvalidArgument"/>, field <c>body</c>, the <see cref="JsonException"/> inside), or <see langword="null"/> when it did.</summary>
    public SluiceException? Error { get; }

    /// <summary>Whether the body deserialized (<see cref="Value"/> may be read).</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool HasValue => Error is null;

    /// <summary>The deserialized body.</summary>
    /// <exception cref="SluiceException">The body did not deserialize: <see cref="Error"/>.</exception>
    public T Value => Error is null ? _value! : throw Error;

    /// <summary>Deserializes <paramref name="message"/>'s body; a failure is kept in <see cref="Error"/>, not thrown. A JSON <c>null</c> body is a failure too.</summary>
    /// <param name="message">The delivered message.</param>
    /// <param name="queue">Its queue, for the error message.</param>
    /// <param name="typeInfo">Source-generated metadata of <typeparamref name="T"/> (a <c>JsonSerializerContext</c> property).</param>
    internal static ReceivedMessage<T> From(QueueMessage message, string queue, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(typeInfo);
        try
        {
            var value = JsonSerializer.Deserialize(message.Body.Span, typeInfo);
            return value is null
                ? new(message, default, BodyError(message, queue, "the body is JSON null", null))
                : new(message, value, null);
        }
        catch (JsonException ex)
        {
            return new(message, default, BodyError(message, queue, ex.Message, ex));
        }
    }

    private static SluiceException BodyError(QueueMessage message, string queue, string reason, JsonException? inner) =>
        new(ErrorCodes.InvalidArgument,
            $"message {message.MessageId} in queue '{queue}' has a body that is not a JSON {typeof(T).Name} ({reason}): " +
            "settle it (dead-letter or ack) and fix the producer; its raw bytes are in Message.Body",
            "body", isTransient: false, inner);
}
