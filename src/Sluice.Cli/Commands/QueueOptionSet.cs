using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;

namespace Sluice.Cli.Commands;

/// <summary>
/// The queue options shared by <c>queue create</c> and <c>queue update</c>, each mapped to its REST field
/// (docs/rest-api.md, QueueOptions). <see cref="ToJson"/> puts exactly the options given on the command line into a
/// request body, so an update (PATCH) changes only those.
/// </summary>
internal sealed class QueueOptionSet
{
    private readonly List<(Option Option, string Field, Func<ParseResult, JsonNode?> Value)> _fields = [];

    /// <param name="forUpdate">
    /// Whether the options are for <c>queue update</c>: booleans then take <c>true|false</c> and the defaults are not
    /// shown (an absent option leaves the value unchanged).
    /// </param>
    public QueueOptionSet(bool forUpdate)
    {
        string D(string text) => forUpdate ? "" : " " + text;

        Add(Options.Seconds("--visibility-timeout", "Lease given to received messages" + D($"[default {Format.Duration(TimeSpan.FromSeconds(30))}]")), "visibilityTimeoutSeconds");
        Add(Options.Seconds("--delay", "Delay applied to messages sent without one" + D($"[default {Format.Duration(TimeSpan.Zero)}]")), "deliveryDelaySeconds");
        Add(Options.Seconds("--retention", "How long an unreceived message is kept" + D($"[default {Format.Duration(TimeSpan.FromDays(4))}]")), "retentionPeriodSeconds");
        Add(Options.Positive<int>("--max-message-size", "BYTES", "Largest body accepted" + D("[default 1048576]")), "maxMessageSize");
        Add(Options.Positive<int>("--max-receive-count", "N", "Receives after which a message moves to the dead-letter queue (needs --dead-letter-queue)"), "maxReceiveCount");
        Add(new Option<string>("--dead-letter-queue") { Description = "The queue that receives this queue's dead letters (it must exist)", HelpName = "QUEUE" }, "deadLetterQueue");
        Add(Options.Positive<long>("--max-length", "N", "Most messages the queue holds" + D("[default unbounded]")), "maxLength");
        Add(Options.Positive<long>("--max-length-bytes", "BYTES", "Most body bytes the queue holds" + D("[default unbounded]")), "maxLengthBytes");
        Add(Enums.Option("--overflow", "What a send past --max-length or --max-length-bytes does" + D("[default reject]"), Enums.OverflowPolicies), "overflowPolicy");
        Add(Options.Seconds("--dedup-window", "How long a deduplication id is remembered" + D($"[default {Format.Duration(TimeSpan.FromMinutes(5))}]") + "; 0 = off"), "deduplicationWindowSeconds");
        Add(new Option<bool>("--fifo") { Description = "A FIFO queue: strict order within a message group (the name must end in .fifo; fixed at creation)" }, "fifo");
        Add(new Option<bool>("--content-based-dedup") { Description = "FIFO only: a message without --dedup-id is deduplicated by a hash of its body" }, "contentBasedDeduplication");
        // The server accepts messageGroup in every version (message-group is canonical from issue 6 on).
        Add(Enums.Option("--dedup-scope", "Where deduplication ids are unique" + D("[default queue]"), Enums.DeduplicationScopes), "deduplicationScope",
            v => v is "message-group" ? "messageGroup" : v);
        Add(Options.Seconds("--receive-wait", "Long-poll wait of a receive that names none, 0-20" + D($"[default {Format.Duration(TimeSpan.Zero)}]")), "receiveWaitTimeSeconds");

        var tags = new Option<string[]>("--tag")
        {
            Description = forUpdate ? "A tag key=value (repeatable); replaces all the queue's tags" : "A tag key=value (repeatable)",
            HelpName = "KEY=VALUE",
        };
        tags.Validators.Add(r =>
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tag in r.GetValueOrDefault<string[]>() ?? [])
            {
                var equals = tag.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                    r.AddError($"--tag '{tag}' is invalid: use key=value");
                else if (!keys.Add(tag[..equals]))
                    r.AddError($"--tag '{tag}' repeats the key '{tag[..equals]}': give each key once (a queue has one value per tag key)");
            }
        });
        JsonNode TagsJson(ParseResult r)
        {
            var map = new JsonObject();
            foreach (var kv in (r.GetValue(tags) ?? []).Select(t => t.Split('=', 2)))
                map[kv[0]] = kv[1];
            return map;
        }

        _fields.Add((tags.Sets("tags"), "tags", TagsJson));
    }

    /// <summary>The options, in help order.</summary>
    public IEnumerable<Option> All => _fields.Select(f => f.Option);

    /// <summary>The REST fields these options set, in help order.</summary>
    public IEnumerable<string> Fields => _fields.Select(f => f.Field);

    /// <summary>The names of the options (without <c>--</c>), which <c>queue update --reset</c> accepts.</summary>
    public string[] Names => [.. _fields.Select(f => f.Option.Name[2..])];

    /// <summary>The REST field of an option name (without <c>--</c>).</summary>
    public string FieldOf(string name) => _fields.Single(f => f.Option.Name[2..] == name).Field;

    /// <summary>Whether the option named <paramref name="name"/> (without <c>--</c>) was given.</summary>
    public bool IsGiven(CommandResult command, string name) =>
        command.GetResult(_fields.Single(f => f.Option.Name[2..] == name).Option) is OptionResult { Implicit: false };

    /// <summary>A request body holding the options given on the command line (REST field names).</summary>
    public JsonObject ToJson(ParseResult parseResult)
    {
        var body = new JsonObject();
        foreach (var (option, field, value) in _fields)
        {
            if (parseResult.GetResult(option) is OptionResult { Implicit: false })
                body[field] = value(parseResult);
        }

        return body;
    }

    private void Add<T>(Option<T> option, string field, Func<T, T>? toWire = null)
    {
        JsonNode? Json(ParseResult r)
        {
            var value = r.GetValue(option);
            return JsonValue.Create(toWire is null ? value : toWire(value!));
        }

        _fields.Add((option.Sets(field), field, Json));
    }
}
