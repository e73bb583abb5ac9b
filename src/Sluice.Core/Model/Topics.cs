namespace Sluice;

/// <summary>
/// A topic: a fan-out point. A publish to a topic delivers a copy of each message into the queue of every subscription
/// whose routing-key pattern and attribute filter policy match it, atomically (every copy or none).
/// </summary>
/// <param name="Name">The topic name (1-80 characters from A-Z a-z 0-9 - _; no .fifo suffix or prefix:, unlike queue names).</param>
/// <param name="CreatedAt">When the topic was created.</param>
/// <param name="Counters">What the topic has published (durable).</param>
/// <param name="SubscriptionCount">Subscriptions the topic has now.</param>
public sealed record TopicInfo(string Name, DateTimeOffset CreatedAt, TopicCounters Counters, int SubscriptionCount);

/// <summary>Counters of one topic since it was created; durable in a durable store.</summary>
/// <param name="Published">Messages published to the topic (each message of a batch counts once, however many copies it made).</param>
/// <param name="Unrouted">Published messages that matched no subscription (also every message published while the topic had none).</param>
/// <param name="Delivered">Copies enqueued into subscription queues (a copy a queue dropped as a duplicate within its deduplication window does not count).</param>
public readonly record struct TopicCounters(long Published, long Unrouted, long Delivered);

/// <summary>
/// What a subscription delivers: both filters must match (no filter matches every message). Equal options make a
/// repeated subscribe idempotent.
/// </summary>
public sealed record SubscriptionOptions
{
    /// <summary>
    /// A routing-key pattern with the AMQP topic-exchange semantics: words separated by <c>.</c>, <c>*</c> matches
    /// exactly one word, <c>#</c> matches zero or more words (<c>orders.*</c>, <c>orders.#</c>, <c>#.eu</c>). Default
    /// <see langword="null"/>: every routing key matches, and so does a message without one. 1-255 characters.
    /// </summary>
    public string? RoutingKeyPattern { get; init; }

    /// <summary>
    /// An attribute filter policy in the JSON shape of Amazon SNS filter policies (attribute-based): an object whose
    /// keys are message attribute names (all must match) and whose values are arrays of conditions (any may match):
    /// a string (equals a String attribute), a number (equals a Number attribute), <c>{"prefix": "eu-"}</c>,
    /// <c>{"numeric": [">=", 10, "&lt;", 20]}</c> (also <c>=</c>, <c>&gt;</c>, <c>&lt;=</c>) and
    /// <c>{"exists": true|false}</c>. Default <see langword="null"/>: no attribute filter. Stored in a canonical
    /// compact form (see <see cref="Routing.FilterPolicy"/>).
    /// </summary>
    public string? FilterPolicy { get; init; }
}

/// <summary>A subscription: the topic <see cref="Topic"/> delivers matching messages into the queue <see cref="Queue"/>. At most one per (topic, queue).</summary>
/// <param name="Topic">The topic name.</param>
/// <param name="Queue">The queue that receives the copies (it keeps its own retries, dead-letter queue, FIFO rules, deduplication and overflow policy).</param>
/// <param name="Options">The routing-key pattern and attribute filter policy.</param>
/// <param name="CreatedAt">When the subscription was created.</param>
public sealed record SubscriptionInfo(string Topic, string Queue, SubscriptionOptions Options, DateTimeOffset CreatedAt);

/// <summary>A message to publish to a topic: the message every matching subscription's queue receives a copy of, and its routing key.</summary>
/// <param name="Message">The message (body, attributes, priority, delay, deduplication id, message group id); each copy goes through its queue's publish rules.</param>
/// <param name="RoutingKey">
/// The routing key matched against subscriptions' patterns: words separated by <c>.</c>, 0-255 characters, no <c>*</c>
/// or <c>#</c>; <see langword="null"/> (default) or empty is a key of zero words.
/// </param>
public sealed record TopicMessage(OutgoingMessage Message, string? RoutingKey = null);

/// <summary>The outcome of one message of a topic publish.</summary>
/// <param name="MessageId">
/// The message id; every copy in every queue carries it (message ids are unique within a queue, not across queues).
/// When a subscription queue reports the message as a duplicate of one it stored within its deduplication window (a
/// producer's retry), the id of that stored message, which the copies new in other queues carry too.
/// </param>
/// <param name="Queues">
/// How many queues received a copy (a queue that dropped the copy as a duplicate within its deduplication window is
/// not counted); 0 when no subscription matched.
/// </param>
public readonly record struct TopicPublishResult(Guid MessageId, int Queues)
{
    /// <summary>Whether some subscription queue dropped its copy as a duplicate (as <see cref="PublishResult.Duplicate"/> of a queue publish); <see cref="Queues"/> counts the others.</summary>
    public bool Duplicate { get; init; }
}
