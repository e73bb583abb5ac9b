using System.Net.Http.Json;

namespace Sluice.Cli.Http;

internal sealed partial class SluiceHttpClient
{
    private static readonly TopicJsonContext TopicJson = TopicJsonContext.Default;

    public async Task<IReadOnlyList<TopicDto>> ListTopicsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/topics", null, TopicJson.TopicListDto, cancellationToken).ConfigureAwait(false)).Topics;

    public Task<TopicDto> CreateTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/topics", JsonContent.Create(new CreateTopicRequest(name), TopicJson.CreateTopicRequest), TopicJson.TopicDto, cancellationToken);

    public Task<TopicDto> GetTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, TopicPath(name), null, TopicJson.TopicDto, cancellationToken);

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, TopicPath(name), null, cancellationToken);

    public async Task<IReadOnlyList<SubscriptionDto>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, TopicPath(topic) + "/subscriptions", null, TopicJson.SubscriptionListDto, cancellationToken).ConfigureAwait(false)).Subscriptions;

    public async Task<SubscriptionDto> SubscribeAsync(string topic, SubscribeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Post, TopicPath(topic) + "/subscriptions",
                JsonContent.Create(request, TopicJson.SubscribeRequest), TopicJson.SubscriptionDto, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e) when (e.Queue is null)
        {
            // The queue is in the body, not the path: name it for the hint.
            throw new CliException(e.Message, e.Code, e) { Queue = request.Queue };
        }
    }

    public Task UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, TopicPath(topic) + "/subscriptions/" + Uri.EscapeDataString(queue), null, cancellationToken);

    public async Task<TopicPublishResultDto> PublishToTopicAsync(string topic, TopicMessageDto message, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, TopicPath(topic) + "/messages",
            JsonContent.Create(message, TopicJson.TopicMessageDto), TopicJson.TopicPublishResponseDto, cancellationToken).ConfigureAwait(false);
        return response.Messages.Count == 1
            ? response.Messages[0]
            : throw new CliException($"the server answered a topic publish with {response.Messages.Count} results instead of 1");
    }

    private static string TopicPath(string name) => "v1/topics/" + Uri.EscapeDataString(name);
}
