using System.Globalization;

namespace Sluice;

/// <summary>
/// The validation rules of the model, shared by the broker and every protocol adapter. Each method throws a
/// <see cref="SluiceException"/> whose message names the field, the value and the rule.
/// </summary>
public static class Validation
{
    /// <summary>Longest deduplication id, in characters.</summary>
    public const int MaxDeduplicationIdLength = 128;

    /// <summary>Most attributes on one message.</summary>
    public const int MaxAttributes = 10;

    /// <summary>Longest attribute name, in characters.</summary>
    public const int MaxAttributeNameLength = 256;

    /// <summary>Longest visibility timeout (12 hours, as SQS).</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);

    /// <summary>Longest delay of a message (14 days).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(14);

    /// <summary>Shortest retention period of a queue (1 minute).</summary>
    public static readonly TimeSpan MinRetentionPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Longest retention period of a queue (365 days).</summary>
    public static readonly TimeSpan MaxRetentionPeriod = TimeSpan.FromDays(365);

    /// <summary>Longest deduplication window of a queue (30 days).</summary>
    public static readonly TimeSpan MaxDeduplicationWindow = TimeSpan.FromDays(30);

    /// <summary>Longest default receive wait of a queue (20 seconds, as SQS).</summary>
    public static readonly TimeSpan MaxReceiveWaitTime = TimeSpan.FromSeconds(20);

    /// <summary>Largest maxMessageSize a queue may set, in bytes (16 MiB).</summary>
    public const int MaxMessageSizeLimit = 16 * 1024 * 1024;

    /// <summary>Largest maxReceiveCount a queue may set.</summary>
    public const int MaxReceiveCountLimit = 1000;

    /// <summary>Most messages one peek returns.</summary>
    public const int MaxPeek = 1000;

    /// <summary>Fastest redrive, in messages per second.</summary>
    public const int MaxRedriveRate = 10_000;

    /// <summary>
    /// Separates a region from a queue name in the name of an SQS queue outside the SQS face's default region
    /// (<c>us-west-2:orders</c>); queues of the default region have plain names.
    /// </summary>
    public const char RegionSeparator = ':';

    /// <summary>
    /// Checks a queue name: 1-80 characters from A-Z a-z 0-9 - _, and a <c>.fifo</c> suffix for FIFO queues; an SQS
    /// queue of a non-default region is <c>region:name</c> (see <see cref="RegionSeparator"/>).
    /// </summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidQueueName"/>.</exception>
    public static void QueueName(string? name, string field = "queue")
    {
        if (!IsValidQueueName(name))
        {
            throw new SluiceException(ErrorCodes.InvalidQueueName,
                $"queue name '{Quote(name)}' is invalid: use 1-{QueueOptions.MaxNameLength} characters from A-Z a-z 0-9 - _ (and a .fifo suffix for FIFO queues), optionally after a 'prefix:' of 1-32 characters from a-z 0-9 -", field);
        }
    }

    /// <summary>
    /// Checks a topic name: 1-80 characters from A-Z a-z 0-9 - _ (the plain queue name's characters; no <c>.fifo</c>
    /// suffix and no <c>prefix:</c>, which mean something only for queues).
    /// </summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidTopicName"/>.</exception>
    public static void TopicName(string? name, string field = "topic")
    {
        if (string.IsNullOrEmpty(name) || name.Length > QueueOptions.MaxNameLength || !IsNameStem(name))
        {
            throw new SluiceException(ErrorCodes.InvalidTopicName,
                $"topic name '{Quote(name)}' is invalid: use 1-{QueueOptions.MaxNameLength} characters from A-Z a-z 0-9 - _", field);
        }
    }

    /// <summary>Whether a queue name follows the rule: a plain name, or <c>region:name</c> (region: 1-32 of a-z 0-9 -).</summary>
    public static bool IsValidQueueName(string? name)
    {
        var split = name?.IndexOf(RegionSeparator, StringComparison.Ordinal) ?? -1;
        return split < 0
            ? IsValidPlainQueueName(name)
            : split is > 0 and <= 32 && name![..split].All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') &&
              IsValidPlainQueueName(name[(split + 1)..]);
    }

    private static bool IsValidPlainQueueName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > QueueOptions.MaxNameLength)
        {
            return false;
        }

        var stem = name.EndsWith(QueueOptions.FifoSuffix, StringComparison.Ordinal) ? name[..^QueueOptions.FifoSuffix.Length] : name;
        return stem.Length > 0 && IsNameStem(stem);
    }

    /// <summary>Whether every character is one of A-Z a-z 0-9 - _ (queue and topic names).</summary>
    private static bool IsNameStem(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks a duration is within [min, max].</summary>
    public static void Range(TimeSpan value, TimeSpan min, TimeSpan max, string field)
    {
        if (value < min || value > max)
        {
            throw SluiceException.Invalid(field,
                $"{field} {Seconds(value)} s is out of range: use {Seconds(min)} to {Seconds(max)} seconds");
        }
    }

    /// <summary>Checks a number is within [min, max].</summary>
    public static void Range(long value, long min, long max, string field)
    {
        if (value < min || value > max)
        {
            throw SluiceException.Invalid(field, $"{field} {value} is out of range: use {min} to {max}");
        }
    }

    /// <summary>
    /// Checks a list in a request (a batch of messages, receipt handles, entry ids, ...) holds 1 to
    /// <paramref name="max"/> entries; the message names the field, the rule and the count given:
    /// <c>messages must hold between 1 and 100 entries; got 0</c> (<c>... must hold at least 1 entry; got 0</c> when
    /// <paramref name="max"/> is <see cref="int.MaxValue"/>, no upper bound).
    /// </summary>
    /// <param name="count">How many entries the list holds.</param>
    /// <param name="max">The most entries allowed; <see cref="int.MaxValue"/> for no upper bound.</param>
    /// <param name="field">The list's field, as the caller named it.</param>
    /// <exception cref="SluiceException">invalid_argument when <paramref name="count"/> is below 1 or above <paramref name="max"/>.</exception>
    public static void Entries(int count, int max, string field)
    {
        if (count < 1 || count > max)
        {
            var rule = max == int.MaxValue ? "at least 1 entry" : $"between 1 and {max.ToString(CultureInfo.InvariantCulture)} entries";
            throw SluiceException.Invalid(field, $"{field} must hold {rule}; got {count.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>Checks queue options, without the checks that need other queues (see <see cref="Broker"/>).</summary>
    public static void Options(QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Range(options.VisibilityTimeout, TimeSpan.Zero, MaxVisibilityTimeout, "visibilityTimeout");
        Range(options.DeliveryDelay, TimeSpan.Zero, MaxDelay, "deliveryDelay");
        Range(options.RetentionPeriod, MinRetentionPeriod, MaxRetentionPeriod, "retentionPeriod");
        ShorterThanRetention(options.DeliveryDelay, options.RetentionPeriod, "deliveryDelay");
        Range(options.MaxMessageSize, 1, MaxMessageSizeLimit, "maxMessageSize");
        Range(options.DeduplicationWindow, TimeSpan.Zero, MaxDeduplicationWindow, "deduplicationWindow");
        if (options.MaxReceiveCount is { } mrc)
        {
            Range(mrc, 1, MaxReceiveCountLimit, "maxReceiveCount");
        }

        if (options.MaxLength is { } ml)
        {
            Range(ml, 1, long.MaxValue, "maxLength");
        }

        if (options.MaxLengthBytes is { } mlb)
        {
            Range(mlb, 1, long.MaxValue, "maxLengthBytes");
        }

        if (!Enum.IsDefined(options.OverflowPolicy))
        {
            throw SluiceException.Invalid("overflowPolicy", $"overflowPolicy {EnumNames.Of(options.OverflowPolicy)} is invalid: use {EnumNames.OverflowPolicies}");
        }

        if (options.DeadLetterQueue is not null)
        {
            QueueName(options.DeadLetterQueue, "deadLetterQueue");
        }

        if (options.MaxReceiveCount is not null && options.DeadLetterQueue is null)
        {
            throw SluiceException.Invalid("deadLetterQueue", "maxReceiveCount needs a deadLetterQueue: name the queue that receives the dead letters");
        }

        if (options.OverflowPolicy == OverflowPolicy.DeadLetterHead && options.DeadLetterQueue is null)
        {
            throw SluiceException.Invalid("deadLetterQueue", "overflowPolicy dead-letter-head needs a deadLetterQueue");
        }

        Range(options.ReceiveWaitTime, TimeSpan.Zero, MaxReceiveWaitTime, "receiveWaitTime");
        if (!Enum.IsDefined(options.DeduplicationScope))
        {
            throw SluiceException.Invalid("deduplicationScope", $"deduplicationScope {EnumNames.Of(options.DeduplicationScope)} is invalid: use {EnumNames.DeduplicationScopes}");
        }

        if (options.ContentBasedDeduplication && !options.Fifo)
        {
            throw SluiceException.Invalid("contentBasedDeduplication", "contentBasedDeduplication is for FIFO queues only: create the queue with fifo set and a .fifo name");
        }

        if (options.Tags.Count > 50)
        {
            throw SluiceException.Invalid("tags", $"tags has {options.Tags.Count} entries: a queue may have at most 50");
        }

        foreach (var (key, value) in options.Tags)
        {
            if (key.Length is 0 or > 128 || value is null || value.Length > 256)
            {
                throw SluiceException.Invalid("tags", $"tag '{key}' is invalid: keys are 1-128 characters, values at most 256");
            }
        }
    }

    /// <summary>Checks that a queue's name and kind agree: FIFO queues, and only they, end in <c>.fifo</c>.</summary>
    public static void QueueKind(string name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        var fifoName = name.EndsWith(QueueOptions.FifoSuffix, StringComparison.Ordinal);
        if (fifoName != options.Fifo)
        {
            throw options.Fifo
                ? SluiceException.Invalid("fifo", $"queue '{name}' is FIFO: a FIFO queue's name must end in .fifo")
                : SluiceException.Invalid("fifo", $"queue '{name}' ends in .fifo: create it with fifo set, or drop the suffix");
        }
    }

    /// <summary>
    /// Checks message <paramref name="index"/> of a batch of <paramref name="count"/> as <see cref="Message(OutgoingMessage, QueueOptions, string)"/>
    /// does, naming it <c>message</c> (a batch of one) or <c>messages[index]</c>; the common plain message (within size,
    /// priority 0-9, no delay, ids, attributes, on a standard queue) passes without building any field name.
    /// </summary>
    public static void Message(OutgoingMessage message, QueueOptions options, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Fifo && message.Body.Length <= options.MaxMessageSize && message.Priority is >= 0 and <= OutgoingMessage.MaxPriority
            && message.Delay is null && message.DeduplicationId is null && message.MessageGroupId is null && message.Attributes is null or { Count: 0 })
        {
            return;
        }

        Message(message, options, count == 1 ? "message" : $"messages[{index}]");
    }

    /// <summary>
    /// A delay must end before the queue's retention period does: a message is kept for the retention period from
    /// its publish, so a longer delay would let it expire before it was ever delivered.
    /// </summary>
    private static void ShorterThanRetention(TimeSpan delay, TimeSpan retention, string field)
    {
        if (delay >= retention && delay > TimeSpan.Zero)
        {
            throw SluiceException.Invalid(field,
                $"{field} must be shorter than the queue's retentionPeriod ({Seconds(retention)} seconds), or the message expires before it is delivered; " +
                $"got {Seconds(delay)} seconds: shorten the delay or raise the queue's retentionPeriod");
        }
    }

    /// <summary>Checks one message against the queue options (size, priority, delay, deduplication id, attributes).</summary>
    public static void Message(OutgoingMessage message, QueueOptions options, string field = "message")
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        if (message.Body.Length > options.MaxMessageSize)
        {
            throw new SluiceException(ErrorCodes.MessageTooLarge,
                $"{field} body is {message.Body.Length} bytes: the queue accepts at most {options.MaxMessageSize} bytes (maxMessageSize)", field + ".body");
        }

        Range(message.Priority, 0, OutgoingMessage.MaxPriority, field + ".priority");
        if (message.Delay is { } delay)
        {
            Range(delay, TimeSpan.Zero, MaxDelay, field + ".delay");
            ShorterThanRetention(delay, options.RetentionPeriod, field + ".delay");
        }

        if (message.DeduplicationId is { } dedup)
        {
            DeduplicationId(dedup, field + ".deduplicationId");
        }

        if (message.MessageGroupId is { } group)
        {
            DeduplicationId(group, field + ".messageGroupId");
        }

        if (options.Fifo)
        {
            if (message.MessageGroupId is null)
            {
                throw SluiceException.Invalid(field + ".messageGroupId", "messageGroupId is required on a FIFO queue: it names the group whose order is kept");
            }

            if (message.DeduplicationId is null && !options.ContentBasedDeduplication)
            {
                throw SluiceException.Invalid(field + ".deduplicationId",
                    "deduplicationId is required on this FIFO queue: give one, or enable contentBasedDeduplication on the queue");
            }

            if (message.Priority != 0)
            {
                throw SluiceException.Invalid(field + ".priority", "priority is not allowed on a FIFO queue: order is the publish order within a message group");
            }

            if (message.Delay is { } d && d != TimeSpan.Zero)
            {
                throw SluiceException.Invalid(field + ".delay", "a per-message delay is not allowed on a FIFO queue: set the queue's deliveryDelay instead");
            }
        }

        if (message.Attributes is { } attributes)
        {
            Attributes(attributes, field + ".attributes");
        }
    }

    /// <summary>Checks a deduplication id: 1-128 printable ASCII characters (33-126).</summary>
    public static void DeduplicationId(string value, string field)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > MaxDeduplicationIdLength || value.Any(c => c is < '!' or > '~'))
        {
            throw SluiceException.Invalid(field, $"{field} '{Quote(value)}' is invalid: use 1-{MaxDeduplicationIdLength} printable ASCII characters without spaces");
        }
    }

    /// <summary>Checks message attributes as the SQS API reference states (names, data types, values).</summary>
    public static void Attributes(IReadOnlyDictionary<string, MessageAttributeValue> attributes, string field)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Count > MaxAttributes)
        {
            throw SluiceException.Invalid(field, $"{field} has {attributes.Count} attributes: a message may have at most {MaxAttributes}");
        }

        foreach (var (name, value) in attributes)
        {
            AttributeName(name, field);
            var type = value?.DataType ?? "";
            var baseType = type.Split('.', 2)[0];
            var itemField = $"{field}.{name}";
            if (value is null || baseType is not ("String" or "Number" or "Binary") || type.Length > 256)
            {
                throw SluiceException.Invalid(itemField + ".dataType", $"attribute '{name}' data type '{type}' is invalid: use String, Number or Binary, optionally with a .custom suffix");
            }

            if (baseType == "Binary")
            {
                if (value.BinaryValue is null)
                {
                    throw SluiceException.Invalid(itemField + ".binaryValue", $"attribute '{name}' is Binary: give a binaryValue");
                }
            }
            else if (value.StringValue is null)
            {
                throw SluiceException.Invalid(itemField + ".stringValue", $"attribute '{name}' is {baseType}: give a stringValue");
            }
            else if (baseType == "Number" && !IsNumber(value.StringValue))
            {
                throw SluiceException.Invalid(itemField + ".stringValue",
                    $"attribute '{name}' value '{Quote(value.StringValue)}' is not a valid number: use up to {MaxNumberDigits} significant digits, magnitude 10^{MinNumberExponent} to 10^+{MaxNumberExponent}");
            }
        }
    }

    /// <summary>Most significant digits of a Number attribute (as SQS).</summary>
    public const int MaxNumberDigits = 38;

    /// <summary>Smallest decimal exponent of a non-zero Number attribute's leading digit (as SQS: 10^-128).</summary>
    public const int MinNumberExponent = -128;

    /// <summary>Largest decimal exponent of a Number attribute's leading digit (as SQS: 10^+126).</summary>
    public const int MaxNumberExponent = 126;

    /// <summary>
    /// Whether <paramref name="text"/> is a Number attribute value as SQS accepts it: an optional sign, digits with an
    /// optional fraction, an optional exponent (<c>e</c>/<c>E</c>, optional sign, digits); at most
    /// <see cref="MaxNumberDigits"/> significant digits (leading and trailing zeros do not count) and, unless zero, a
    /// magnitude from 10^<see cref="MinNumberExponent"/> to 10^+<see cref="MaxNumberExponent"/> (the leading digit's exponent).
    /// </summary>
    public static bool IsNumber(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var i = 0;
        if (text[i] is '+' or '-')
        {
            i++;
        }

        // Mantissa: collect the digit run (integer then fraction) and where the point is.
        var firstNonZero = -1;    // index in the digit run of the first non-zero digit
        var lastNonZero = -1;     // index in the digit run of the last non-zero digit
        var digits = 0;           // digits in the run
        var integerDigits = -1;   // digits before the point (set when the point is seen or at the end)
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (c != '0')
                {
                    if (firstNonZero < 0)
                    {
                        firstNonZero = digits;
                    }

                    lastNonZero = digits;
                }

                digits++;
            }
            else if (c == '.' && integerDigits < 0)
            {
                integerDigits = digits;
            }
            else
            {
                break;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (integerDigits < 0)
        {
            integerDigits = digits;
        }

        long exponent = 0;
        if (i < text.Length)
        {
            if (text[i] is not ('e' or 'E'))
            {
                return false;
            }

            i++;
            var negative = false;
            if (i < text.Length && text[i] is '+' or '-')
            {
                negative = text[i] == '-';
                i++;
            }

            if (i == text.Length)
            {
                return false;
            }

            for (; i < text.Length; i++)
            {
                if (!char.IsAsciiDigit(text[i]))
                {
                    return false;
                }

                // Saturate: any exponent this large is out of range anyway.
                exponent = Math.Min(exponent * 10 + (text[i] - '0'), 1_000_000);
            }

            if (negative)
            {
                exponent = -exponent;
            }
        }

        if (firstNonZero < 0)
        {
            return true; // zero
        }

        if (lastNonZero - firstNonZero + 1 > MaxNumberDigits)
        {
            return false;
        }

        // The leading digit sits at 10^(integerDigits - 1 - firstNonZero) before the exponent is applied.
        var magnitude = integerDigits - 1L - firstNonZero + exponent;
        return magnitude is >= MinNumberExponent and <= MaxNumberExponent;
    }

    /// <summary>Checks a message attribute name (also a filter policy's keys).</summary>
    internal static void AttributeName(string name, string field)
    {
        var ok = name.Length is > 0 and <= MaxAttributeNameLength && !name.StartsWith('.') && !name.EndsWith('.') &&
                 !name.Contains("..", StringComparison.Ordinal) &&
                 !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase) &&
                 name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
        if (!ok)
        {
            throw SluiceException.Invalid(field, $"attribute name '{Quote(name)}' is invalid: use 1-{MaxAttributeNameLength} characters from A-Z a-z 0-9 _ - . (no leading, trailing or double '.', no AWS. or Amazon. prefix)");
        }
    }

    /// <summary>A value echoed in an error message, cut to 100 characters so an error never grows with the input.</summary>
    public static string Quote(string? value) => value is null ? "" : value.Length <= 100 ? value : string.Concat(value.AsSpan(0, 100), "...");

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
