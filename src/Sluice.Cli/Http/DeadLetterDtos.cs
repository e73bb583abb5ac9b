using System.Text.Json.Serialization;

namespace Sluice.Cli.Http;

// The dead-letter workspace routes' wire shapes (docs/rest-api.md, "Dead-letter groups") and what
// 'sluice dlq groups|redrive --group|delete|move --json' prints.

internal sealed record DeadLetterSourceDto
{
    public string Queue { get; init; } = "";
    public long Count { get; init; }
}

internal sealed record FailureAttemptDto
{
    public int Attempt { get; init; }
    public DateTimeOffset At { get; init; }
    public string Worker { get; init; } = "";
    public string ExceptionType { get; init; } = "";
    public string Message { get; init; } = "";
}

internal sealed record FailureDto
{
    public string ExceptionType { get; init; } = "";
    public string Message { get; init; } = "";
    public string? StackTrace { get; init; }
    public bool NonRetryable { get; init; }
    public List<FailureAttemptDto> Attempts { get; init; } = [];
}

internal sealed record DeadLetterSampleDto
{
    public string MessageId { get; init; } = "";
    public long SequenceNumber { get; init; }
    public string BodyPreview { get; init; } = "";
    public bool BodyIsText { get; init; }
    public int BodySize { get; init; }
    public DeadLetterDto? DeadLetter { get; init; }
    public FailureDto? Failure { get; init; }
}

internal sealed record DeadLetterGroupDto
{
    public string GroupId { get; init; } = "";
    public long Count { get; init; }
    public DateTimeOffset FirstDeadLetteredAt { get; init; }
    public DateTimeOffset LastDeadLetteredAt { get; init; }
    public List<DeadLetterSourceDto> SourceQueues { get; init; } = [];
    public string Source { get; init; } = "";
    public string? ExceptionType { get; init; }
    public List<string> Frames { get; init; } = [];
    public string Fingerprint { get; init; } = "";
    public DeadLetterSampleDto Sample { get; init; } = new();
}

internal sealed record DeadLetterGroupListDto
{
    public string Queue { get; init; } = "";
    public long Scanned { get; init; }
    public int TotalGroups { get; init; }
    public bool Truncated { get; init; }
    public long Untracked { get; init; }
    public List<DeadLetterGroupDto> Groups { get; init; } = [];
}

/// <summary>The body of a group action (<c>POST .../groups/{id}/redrive|delete|move</c>); unset fields are left out.</summary>
internal sealed record DeadLetterGroupActionRequest
{
    public string? Destination { get; init; }
    public int? MaxPerSecond { get; init; }
    public bool? DryRun { get; init; }
}

internal sealed record DeadLetterGroupActionDto
{
    public string Queue { get; init; } = "";
    public string GroupId { get; init; } = "";
    public string Action { get; init; } = "";
    public bool DryRun { get; init; }
    public string? Destination { get; init; }
    public DateTimeOffset Cutoff { get; init; }
    public long Affected { get; init; }
    public long SkippedLeased { get; init; }
    public long SkippedUnmovable { get; init; }
    public List<DeadLetterSourceDto> SourceQueues { get; init; } = [];
    public RedriveDto? Redrive { get; init; }
}

/// <summary>Source-generated serializers for the dead-letter wire shapes and outputs (requests and output omit unset fields).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(DeadLetterGroupListDto))]
[JsonSerializable(typeof(DeadLetterGroupActionRequest))]
[JsonSerializable(typeof(DeadLetterGroupActionDto))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
