using System.CommandLine;
using System.Text.Json;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice topic create|delete|list|show|subscribe|unsubscribe|subscriptions|publish</c> (docs/topics.md).</summary>
internal static class TopicCommands
{
    public static Command Create(CliContext context)
    {
        var topic = context.ClientCommand("topic", "Create, list, show and delete topics; subscribe queues to them; publish to them.");
        topic.Subcommands.Add(CreateCreate(context));
        topic.Subcommands.Add(CreateList(context));
        topic.Subcommands.Add(CreateShow(context));
        topic.Subcommands.Add(CreateDelete(context));
        topic.Subcommands.Add(CreateSubscribe(context));
        topic.Subcommands.Add(CreateUnsubscribe(context));
        topic.Subcommands.Add(CreateSubscriptions(context));
        topic.Subcommands.Add(CreatePublish(context));
        return topic;
    }

    private static Argument<string> TopicArgument() => new("topic") { Description = "The topic name (1-80 characters from A-Z a-z 0-9 - _)" };

    private static Argument<string> QueueArgument() => new("queue") { Description = "The queue that receives the topic's copies" };

    private static Command CreateCreate(CliContext context)
    {
        var name = TopicArgument();
        var command = CliContext.Verb("create", "Create a topic (succeeds when it exists).", name);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var topic = await client.CreateTopicAsync(parseResult.GetRequiredValue(name), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(topic, OutputJsonContext.Default.TopicResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"topic '{topic.Name}' is ready").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = CliContext.Verb("list", "List topics with their counters.");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var topics = await client.ListTopicsAsync(ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new TopicListResponse([.. topics]), OutputJsonContext.Default.TopicListResponse).ConfigureAwait(false);
                return 0;
            }

            if (topics.Count == 0)
            {
                await context.Error.WriteLineAsync("no topics: create one with 'sluice topic create NAME'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("topic", "subscriptions", "published", "unrouted", "delivered", "created");
            foreach (var t in topics)
            {
                table.AddRow(Format.Cell(t.Name), Format.Number(t.Subscriptions), Format.Number(t.Published), Format.Number(t.Unrouted),
                    Format.Number(t.Delivered), Format.Time(t.CreatedAt));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var name = TopicArgument();
        var command = CliContext.Verb("show", "Show a topic's counters and subscriptions.", name);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var topicName = parseResult.GetRequiredValue(name);
            var t = await client.GetTopicAsync(topicName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(t, OutputJsonContext.Default.TopicResponse).ConfigureAwait(false);
                return 0;
            }

            (string Key, string Value)[] rows =
            [
                ("name", t.Name),
                ("created", Format.Time(t.CreatedAt)),
                ("subscriptions", Format.Number(t.Subscriptions)),
                ("published", Format.Number(t.Published)),
                ("unrouted", Format.Number(t.Unrouted)),
                ("delivered", Format.Number(t.Delivered)),
            ];
            var width = rows.Max(r => r.Key.Length) + 2;
            foreach (var (key, value) in rows)
                await context.Output.WriteLineAsync(key.PadRight(width) + value).ConfigureAwait(false);
            foreach (var s in await client.ListSubscriptionsAsync(topicName, ct).ConfigureAwait(false))
                await context.Output.WriteLineAsync("subscription".PadRight(width) + Describe(s)).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var name = TopicArgument();
        var command = CliContext.Verb("delete", "Delete a topic and its subscriptions (the queues stay).", name);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var topicName = parseResult.GetRequiredValue(name);
            try
            {
                await client.DeleteTopicAsync(topicName, ct).ConfigureAwait(false);
            }
            catch (CliException e) when (e.Code is ErrorCodes.TopicNotFound)
            {
                // Name the command that lists the topics (as 'queue delete').
                throw new CliException($"topic '{topicName}' does not exist: nothing to delete (sluice topic list shows the topics)", e.Code, e);
            }

            if (context.Json(parseResult))
                await context.WriteJsonAsync(new DeleteTopicResultDto(topicName, Deleted: true), OutputJsonContext.Default.DeleteTopicResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"deleted topic '{topicName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateSubscribe(CliContext context)
    {
        var topic = TopicArgument();
        var queue = QueueArgument();
        var pattern = new Option<string>("--pattern", "-k")
        {
            Description = "Routing-key pattern: words separated by '.', '*' matches one word, '#' zero or more (orders.*, orders.#) [default: every key]",
            HelpName = "PATTERN",
        };
        var filter = new Option<string>("--filter")
        {
            Description = "Attribute filter policy, SNS-shaped JSON: {\"region\":[\"eu-west\",{\"prefix\":\"us-\"}]} (docs/topics.md) [default: every message]",
            HelpName = "JSON",
        };
        var command = CliContext.Verb("subscribe", "Deliver the topic's matching messages into a queue (succeeds when subscribed with the same options).",
            topic, queue, pattern, filter);
        command.Validators.Add(r =>
        {
            if (r.GetValue(filter) is { } text && !IsJson(text))
                r.AddError($"--filter '{text}' is not valid JSON: give an object such as {{\"region\":[\"eu-west\"]}}");
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var request = new SubscribeRequest
            {
                Queue = parseResult.GetRequiredValue(queue),
                RoutingKeyPattern = parseResult.GetValue(pattern),
                FilterPolicy = parseResult.GetValue(filter) is { } policy ? ParseJson(policy) : null,
            };
            var topicName = parseResult.GetRequiredValue(topic);
            SubscriptionResponse s;
            try
            {
                s = await client.SubscribeAsync(topicName, request, ct).ConfigureAwait(false);
            }
            catch (CliException e) when (e.Code is ErrorCodes.SubscriptionAlreadyExists)
            {
                // The fix as a command, as every CLI error ends (docs/cli.md).
                throw new CliException($"queue '{request.Queue}' is subscribed to topic '{topicName}' already, with other options: " +
                    $"unsubscribe first (sluice topic unsubscribe {topicName} {request.Queue})", e.Code, e);
            }

            if (context.Json(parseResult))
                await context.WriteJsonAsync(s, OutputJsonContext.Default.SubscriptionResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"topic '{s.Topic}' delivers to {Describe(s)}").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateUnsubscribe(CliContext context)
    {
        var topic = TopicArgument();
        var queue = QueueArgument();
        var command = CliContext.Verb("unsubscribe", "Stop delivering the topic's messages into a queue (copies already delivered stay).", topic, queue);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var (topicName, queueName) = (parseResult.GetRequiredValue(topic), parseResult.GetRequiredValue(queue));
            await client.UnsubscribeAsync(topicName, queueName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new UnsubscribeResultDto(topicName, queueName, Unsubscribed: true), OutputJsonContext.Default.UnsubscribeResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"queue '{queueName}' is no longer subscribed to topic '{topicName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateSubscriptions(CliContext context)
    {
        var topic = TopicArgument();
        var command = CliContext.Verb("subscriptions", "List a topic's subscriptions.", topic);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var topicName = parseResult.GetRequiredValue(topic);
            var subscriptions = await client.ListSubscriptionsAsync(topicName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new SubscriptionListResponse([.. subscriptions]), OutputJsonContext.Default.SubscriptionListResponse).ConfigureAwait(false);
                return 0;
            }

            if (subscriptions.Count == 0)
            {
                await context.Error.WriteLineAsync($"topic '{topicName}' has no subscriptions: add one with 'sluice topic subscribe {topicName} QUEUE'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("queue", "pattern", "filter policy", "created");
            foreach (var s in subscriptions)
            {
                table.AddRow(Format.Cell(s.Queue), Format.Cell(s.RoutingKeyPattern ?? "-"), Format.Cell(s.FilterPolicy?.GetRawText() ?? "-"),
                    Format.Time(s.CreatedAt));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreatePublish(CliContext context)
    {
        var topic = TopicArgument();
        var key = new Option<string>("--routing-key", "-k") { Description = "The routing key subscriptions' patterns match (words separated by '.')", HelpName = "KEY" };
        var message = new MessageOptionSet(
            "Delay before the copies become visible [default: each queue's delivery delay]",
            "Deduplication id, remembered per subscription queue",
            "Message group (required when a subscription queue is FIFO)");
        var command = CliContext.Verb("publish",
            "Publish one message to a topic: a copy goes to every matching subscription's queue, all or none; prints its id and how many queues received it (and 'duplicate' when a queue had seen the dedup id).",
            [topic, key, .. message.Symbols]);
        message.AddValidator(command);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var outgoing = new TopicMessageRequest(await message.ReadAsync(context, parseResult, ct).ConfigureAwait(false)) { RoutingKey = parseResult.GetValue(key) };
            var result = await client.PublishToTopicAsync(parseResult.GetRequiredValue(topic), outgoing, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(result, OutputJsonContext.Default.TopicPublishResultResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"{result.MessageId} {Format.Count(result.Queues, "queue")}" + (result.Duplicate ? " duplicate" : "")).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    /// <summary>A subcommand: <c>--url</c> and <c>--json</c> come from <c>sluice topic</c> (recursive options).</summary>
    private static string Describe(SubscriptionResponse s) =>
        $"queue '{s.Queue}'" + (s.RoutingKeyPattern is { } p ? $" pattern {p}" : "") + (s.FilterPolicy is { } f ? $" filter {f.GetRawText()}" : "");

    /// <summary>The JSON value <paramref name="text"/> holds (checked by the validator first), sent as typed.</summary>
    private static JsonElement ParseJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
