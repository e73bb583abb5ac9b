namespace Sluice.Routing;

/// <summary>
/// A routing-key pattern with the semantics of an AMQP 0-9-1 topic exchange binding key (as RabbitMQ implements it):
/// a pattern and a routing key are words separated by <c>.</c>; in a pattern <c>*</c> matches exactly one word and
/// <c>#</c> matches zero or more words; any other word matches an equal word (case-sensitive). An empty routing key
/// has zero words; an empty word (<c>a..b</c>) is a word like any other. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Rules checked by <see cref="Parse"/>: 1-255 characters (the AMQP short-string limit); a word that contains
/// <c>*</c> or <c>#</c> is exactly that character. Examples: <c>orders.*</c> matches <c>orders.eu</c> but neither
/// <c>orders</c> nor <c>orders.eu.paid</c>; <c>orders.#</c> matches all three; <c>#</c> matches every key;
/// <c>a.#.b</c> matches <c>a.b</c> and <c>a.x.y.b</c>.
/// </remarks>
public sealed class RoutingPattern
{
    /// <summary>Longest pattern or routing key, in characters (the AMQP short-string limit).</summary>
    public const int MaxLength = 255;

    private const string AnyWords = "#";
    private const string OneWord = "*";

    private readonly string[] _words;

    private RoutingPattern(string text, string[] words)
    {
        Text = text;
        _words = words;
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>Parses and checks a pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="field">The request field named in an error.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/> naming <paramref name="field"/> and the rule broken.</exception>
    public static RoutingPattern Parse(string pattern, string field = "routingKeyPattern")
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length is 0 or > MaxLength)
        {
            throw SluiceException.Invalid(field,
                $"{field} '{Validation.Quote(pattern)}' is {pattern.Length} characters: use 1-{MaxLength} (omit the pattern to match every routing key)");
        }

        var words = pattern.Split('.');
        foreach (var word in words)
        {
            if (word is not (AnyWords or OneWord) && word.AsSpan().IndexOfAny('*', '#') >= 0)
            {
                throw SluiceException.Invalid(field,
                    $"{field} '{Validation.Quote(pattern)}' has the word '{Validation.Quote(word)}': '*' and '#' must be whole words " +
                    "('*' matches exactly one word, '#' zero or more), as in 'orders.*' or 'orders.#'");
            }
        }

        return new RoutingPattern(pattern, words);
    }

    /// <summary>Checks a message's routing key: 0-255 characters, without the wildcards <c>*</c> and <c>#</c>.</summary>
    /// <param name="routingKey">The key; <see langword="null"/> is allowed (zero words).</param>
    /// <param name="field">The request field named in an error.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/>.</exception>
    public static void CheckRoutingKey(string? routingKey, string field = "routingKey")
    {
        if (routingKey is null)
        {
            return;
        }

        if (routingKey.Length > MaxLength)
        {
            throw SluiceException.Invalid(field, $"{field} is {routingKey.Length} characters: use at most {MaxLength}");
        }

        if (routingKey.AsSpan().IndexOfAny('*', '#') >= 0)
        {
            throw SluiceException.Invalid(field,
                $"{field} '{Validation.Quote(routingKey)}' contains '*' or '#': wildcards belong in subscription patterns, not in routing keys");
        }
    }

    /// <summary>Whether <paramref name="routingKey"/> matches the pattern.</summary>
    /// <param name="routingKey">The key; <see langword="null"/> or empty is a key of zero words.</param>
    public bool Matches(string? routingKey)
    {
        var key = string.IsNullOrEmpty(routingKey) ? [] : routingKey.Split('.');
        return Matches(key);
    }

    /// <summary>Whether a routing key already split into words matches the pattern.</summary>
    /// <param name="keyWords">The key's words (an empty key has none).</param>
    public bool Matches(ReadOnlySpan<string> keyWords)
    {
        // reachable[j]: the pattern's words so far can match the key's first j words. One row per pattern word:
        // O(pattern words x key words), at most 128 x 128 (255 characters).
        var n = keyWords.Length;
        Span<bool> reachable = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        Span<bool> next = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        reachable[0] = true;
        foreach (var word in _words)
        {
            next.Clear();
            var any = false;
            for (var j = 0; j <= n; j++)
            {
                if (word == AnyWords)
                {
                    // '#': zero words (stay at j) or one more word after any reachable position.
                    next[j] = reachable[j] || (j > 0 && next[j - 1]);
                }
                else if (j > 0 && reachable[j - 1])
                {
                    next[j] = word == OneWord || string.Equals(word, keyWords[j - 1], StringComparison.Ordinal);
                }

                any |= next[j];
            }

            if (!any)
            {
                return false;
            }

            next.CopyTo(reachable);
        }

        return reachable[n];
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
