using System.Text.Json.Serialization;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>Source-generated JSON for the queue options (<c>queues.options</c>) and message attributes (<c>messages.attributes</c>).</summary>
[JsonSerializable(typeof(QueueOptions))]
[JsonSerializable(typeof(Dictionary<string, StoredAttribute>))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class StoreJsonContext : JsonSerializerContext;

/// <summary>One message attribute as stored: data type, string value, binary value (base64 in JSON).</summary>
/// <param name="T">The data type.</param>
/// <param name="S">The string value, if any.</param>
/// <param name="B">The binary value, if any.</param>
internal sealed record StoredAttribute(string T, string? S, byte[]? B);
