using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sluice.Client;

/// <summary>
/// Typed publish and receive over any <see cref="ISluiceClient"/>: bodies are JSON written and read with
/// System.Text.Json's source-generated metadata (a <c>JsonTypeInfo&lt;T&gt;</c> from a
/// <c>[JsonSerializable(typeof(T))] partial class MyJson : JsonSerializerContext</c>), so no reflection is used and
/// the code is trim- and AOT-safe.
/// </summary>
public static class SluiceClientJsonExtensions
{
    /// <summary>Publishes <paramref name="value"/> as a UTF-8 JSON body (see <see cref="ISluiceClient.PublishAsync"/>).</summary>
    /// <param name="client">The client.</param>
    /// <param name="queue">The queue name.</param>
    /// <param name="value">The value to send.</param>
    /// <param name="typeInfo">Source-generated metadata of <typeparamref name="T"/>.</param>
    /// <param name="options">The message's other settings; default none.</param>
    /// <param name="cancellationToken">As for <see cref="ISluiceClient.PublishAsync"/>.</param>
    /// <exception cref="SluiceException">As <see cref="ISluiceClient.PublishAsync"/>.</exception>
    public static ValueTask<PublishResult> PublishAsync<T>(this ISluiceClient client, string queue, T value, JsonTypeInfo<T> typeInfo, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        return client.PublishAsync(queue, options is null ? new OutgoingMessage(body) : options.ToMessage(body), cancellationToken);
    }

    /// <summary>Receives as <see cref="ISluiceClient.ReceiveAsync"/> and deserializes each body; a body that does not deserialize is delivered with <see cref="ReceivedMessage{T}.Error"/> set.</summary>
    /// <exception cref="SluiceException">As <see cref="ISluiceClient.ReceiveAsync"/>.</exception>
    public static async ValueTask<IReadOnlyList<ReceivedMessage<T>>> ReceiveAsync<T>(this ISluiceClient client, string queue, JsonTypeInfo<T> typeInfo, ReceiveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var messages = await client.ReceiveAsync(queue, options, cancellationToken).ConfigureAwait(false);
        var typed = new ReceivedMessage<T>[messages.Count];
        for (var i = 0; i < typed.Length; i++)
        {
            typed[i] = ReceivedMessage<T>.From(messages[i], queue, typeInfo);
        }

        return typed;
    }

    /// <summary>Consumes as <see cref="ISluiceClient.ConsumeAsync"/> (same credit rule) and deserializes each body; a body that does not deserialize is delivered with <see cref="ReceivedMessage{T}.Error"/> set.</summary>
    /// <exception cref="SluiceException">As <see cref="ISluiceClient.ConsumeAsync"/>.</exception>
    public static async IAsyncEnumerable<ReceivedMessage<T>> ConsumeAsync<T>(this ISluiceClient client, string queue, JsonTypeInfo<T> typeInfo, ConsumeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(typeInfo);
        await foreach (var message in client.ConsumeAsync(queue, options, cancellationToken).ConfigureAwait(false))
        {
            yield return ReceivedMessage<T>.From(message, queue, typeInfo);
        }
    }
}
