using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Worker.Internal;

/// <summary>A published result (<see cref="JobOptions{TJob}.PublishResultTo"/>).</summary>
internal sealed record ResultMessage(Guid JobId, string JobType, JsonElement? Result);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobStatus))]
[JsonSerializable(typeof(ResultMessage))]
internal sealed partial class WorkerJson : JsonSerializerContext;
