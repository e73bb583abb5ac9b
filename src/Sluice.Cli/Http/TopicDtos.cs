using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Cli.Http;

// The topic routes' wire shapes (docs/rest-api.md, "Topics") and what 'sluice topic ... --json' prints.

internal sealed record TopicDto
{
    public string Name { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public long Published { get; init; }
    public long Unrouted { get; init; }
    public long Delivered { get; init; }
    public int Subscriptions { get; init; }
}

internal sealed record TopicListDto
{
    public List<TopicDto> Topics { get; init; } = [];
}

internal sealed record CreateTopicRequest(string Name);

internal sealed record SubscribeRequest
{
    public string Queue { get; init; } = "";
    public string? RoutingKeyPattern { get; init; }

    /// <summary>The policy JSON as the user typed it (checked to be JSON), sent unchanged: the server judges its strings.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string? FilterPolicy { get; init; }
}

/// <summary>A JSON value kept as its text: written as is (re-encoding would fail on escapes the server must judge, such as a lone surrogate).</summary>
internal sealed class RawJsonConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value, skipInputValidation: true);
}

internal sealed record SubscriptionDto
{
    public string Topic { get; init; } = "";
    public string Queue { get; init; } = "";
    public string? RoutingKeyPattern { get; init; }

    /// <summary>The policy's canonical JSON as the server sent it (non-ASCII unescaped), shown and written as is.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string? FilterPolicy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed record SubscriptionListDto
{
    public List<SubscriptionDto> Subscriptions { get; init; } = [];
}

/// <summary>One message to publish to a topic: a queue message's fields plus its routing key.</summary>
internal sealed record TopicMessageDto : OutgoingMessageDto
{
    public TopicMessageDto(OutgoingMessageDto message)
        : base(message)
    {
    }

    public string? RoutingKey { get; init; }
}

internal sealed record TopicPublishResultDto
{
    public string MessageId { get; init; } = "";
    public int Queues { get; init; }
    public bool Duplicate { get; init; }
}

internal sealed record TopicPublishResponseDto
{
    public List<TopicPublishResultDto> Messages { get; init; } = [];
}

internal sealed record DeleteTopicResultDto(string Topic, bool Deleted);

internal sealed record UnsubscribeResultDto(string Topic, string Queue, bool Unsubscribed);

/// <summary>Source-generated serializers for the topic wire shapes and outputs (requests omit unset fields).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TopicDto))]
[JsonSerializable(typeof(TopicListDto))]
[JsonSerializable(typeof(CreateTopicRequest))]
[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(SubscriptionDto))]
[JsonSerializable(typeof(SubscriptionListDto))]
[JsonSerializable(typeof(TopicMessageDto))]
[JsonSerializable(typeof(TopicPublishResultDto))]
[JsonSerializable(typeof(TopicPublishResponseDto))]
[JsonSerializable(typeof(DeleteTopicResultDto))]
[JsonSerializable(typeof(UnsubscribeResultDto))]
internal sealed partial class TopicJsonContext : JsonSerializerContext;
