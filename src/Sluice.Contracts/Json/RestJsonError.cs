using System.Text.Json;

namespace Sluice.Contracts;

/// <summary>
/// Builds the <see cref="JsonException"/>s the contract's converters throw for input they refuse: the message starts with
/// <see cref="Prefix"/> and says what is wrong and how to fix it, so a server can show it to the client (other JSON
/// errors come from System.Text.Json and are not meant for clients).
/// </summary>
public static class RestJsonError
{
    /// <summary>The prefix of every message this class builds: <c>"sluice: "</c>.</summary>
    public const string Prefix = "sluice: ";

    /// <summary>An error with a reason for the client.</summary>
    /// <param name="reason">What is wrong and how to fix it.</param>
    /// <param name="at">
    /// Where, below the path the serializer reports (a converter's own position, which the serializer does not see):
    /// <c>[2].valueBase64</c> inside the value the converter reads. <see langword="null"/>: the serializer's path.
    /// </param>
    /// <returns>The exception to throw; <see cref="PathOf"/> gives its full path once the serializer has added its own.</returns>
    public static JsonException Create(string reason, string? at = null) => at is null ? new JsonException(Prefix + reason) : new Nested(Prefix + reason, at);

    /// <summary>The path the client sees: the serializer's (<c>$</c> when it has none), followed by the converter's position inside it.</summary>
    /// <param name="ex">An exception the serializer threw or passed on.</param>
    /// <returns>A JSON path such as <c>$.fields[2].valueBase64</c>, or <see langword="null"/> when the serializer gave none.</returns>
    public static string? PathOf(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex is Nested nested ? (ex.Path ?? "$") + nested.At : ex.Path;
    }

    private sealed class Nested(string message, string at) : JsonException(message)
    {
        public string At { get; } = at;
    }
}
