using System.Net.Http.Json;

namespace Sluice.Cli.Http;

internal sealed partial class SluiceHttpClient
{

    public async Task<IReadOnlyList<TopicResponse>> ListTopicsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/topics", null, Json.TopicListResponse, cancellationToken).ConfigureAwait(false)).Topics;

    public Task<TopicResponse> CreateTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/topics", JsonContent.Create(new CreateTopicRequest { Name = name }, Json.CreateTopicRequest), Json.TopicResponse, cancellationToken);

    public Task<TopicResponse> GetTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, TopicPath(name), null, Json.TopicResponse, cancellationToken);

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, TopicPath(name), null, cancellationToken);

    public async Task<IReadOnlyList<SubscriptionResponse>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, TopicPath(topic) + "/subscriptions", null, Json.SubscriptionListResponse, cancellationToken).ConfigureAwait(false)).Subscriptions;

    public async Task<SubscriptionResponse> SubscribeAsync(string topic, SubscribeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Post, TopicPath(topic) + "/subscriptions",
                JsonContent.Create(request, Json.SubscribeRequest), Json.SubscriptionResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e) when (e.Queue is null)
        {
            // The queue is in the body, not the path: name it for the hint.
            throw new CliException(e.Message, e.Code, e) { Queue = request.Queue, Field = e.Field };
        }
    }

    public Task UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, TopicPath(topic) + "/subscriptions/" + Uri.EscapeDataString(queue), null, cancellationToken);

    public async Task<TopicPublishResultResponse> PublishToTopicAsync(string topic, TopicMessageRequest message, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, TopicPath(topic) + "/messages",
            JsonContent.Create(message, Json.TopicMessageRequest), Json.TopicPublishResponse, cancellationToken).ConfigureAwait(false);
        return response.Messages.Count == 1
            ? response.Messages[0]
            : throw new CliException($"the server answered a topic publish with {response.Messages.Count} results instead of 1");
    }

    private static string TopicPath(string name) => "v1/topics/" + Uri.EscapeDataString(name);
}
