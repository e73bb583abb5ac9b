namespace Sluice.Routing;

/// <summary>
/// A subscription's filters, parsed once: its <see cref="RoutingPattern"/> and its <see cref="FilterPolicy"/>; a
/// message is delivered when both match (a missing filter matches every message). Immutable and thread-safe; stores
/// keep one per subscription so that a publish does not parse again.
/// </summary>
public sealed class SubscriptionFilter
{
    private SubscriptionFilter(RoutingPattern? pattern, FilterPolicy? policy)
    {
        Pattern = pattern;
        Policy = policy;
    }

    /// <summary>The routing-key pattern, or <see langword="null"/> (every key matches).</summary>
    public RoutingPattern? Pattern { get; }

    /// <summary>The attribute filter policy, or <see langword="null"/> (every message matches).</summary>
    public FilterPolicy? Policy { get; }

    /// <summary>Parses and checks a subscription's options.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/> naming <c>routingKeyPattern</c> or <c>filterPolicy</c> and the rule broken.</exception>
    public static SubscriptionFilter Create(SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SubscriptionFilter(
            options.RoutingKeyPattern is { } pattern ? RoutingPattern.Parse(pattern) : null,
            options.FilterPolicy is { } policy ? FilterPolicy.Parse(policy) : null);
    }

    /// <summary>
    /// A stored subscription's filters: its options in canonical form (<see cref="Canonical"/>), checked when it was
    /// subscribed; the policy's length limit applies to what the user sent, so it is not checked again.
    /// </summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/>: the options are no valid filters.</exception>
    public static SubscriptionFilter Load(SubscriptionOptions canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        return new SubscriptionFilter(
            canonical.RoutingKeyPattern is { } pattern ? RoutingPattern.Parse(pattern) : null,
            canonical.FilterPolicy is { } policy ? FilterPolicy.ParseCanonical(policy) : null);
    }

    /// <summary>The options in canonical form (the filter policy as <see cref="FilterPolicy.Text"/>): what a store keeps and compares.</summary>
    public SubscriptionOptions Canonical => new() { RoutingKeyPattern = Pattern?.Text, FilterPolicy = Policy?.Text };

    /// <summary>Whether a message with this routing key (split into words) and these attributes is delivered.</summary>
    /// <param name="routingKeyWords">The key's words (<see cref="Storage.TopicRules.Words"/>).</param>
    /// <param name="attributes">The message's attributes, or <see langword="null"/>.</param>
    public bool Matches(string[] routingKeyWords, IReadOnlyDictionary<string, MessageAttributeValue>? attributes) =>
        (Pattern is null || Pattern.Matches(routingKeyWords)) && (Policy is null || Policy.Matches(attributes));
}
