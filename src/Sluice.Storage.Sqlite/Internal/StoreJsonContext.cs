using System.Text.Json.Serialization;

namespace Sluice.Storage.Sqlite.Internal;

/// <summary>Source-generated JSON for the queue options stored in <c>queues.options</c>.</summary>
[JsonSerializable(typeof(QueueOptions))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
