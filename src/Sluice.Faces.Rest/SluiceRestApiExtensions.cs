using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Sluice.Faces.Http;

namespace Sluice.Faces.Rest;

/// <summary>
/// Adds Sluice's REST face (docs/rest-api.md) to any ASP.NET Core application: call <see cref="AddSluiceRestApi"/> on
/// the services and <see cref="MapSluiceRestApi"/> on the endpoints. The server (Sluice.Server's <c>SluiceServer</c>) does both.
/// </summary>
public static partial class SluiceRestApiExtensions
{
    /// <summary>
    /// Registers what the REST face needs: the source-generated JSON metadata (ahead of any other resolver) and the
    /// OpenAPI document <c>v1</c> (served by <c>MapOpenApi()</c> at <c>/openapi/v1.json</c>), and a startup filter that,
    /// ahead of routing, keeps escaped <c>/</c>, <c>%</c> and <c>.</c> inside a <c>/v1/streams</c> path segment (stream
    /// names may hold them; <c>StreamPathSegments</c>).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddSluiceRestApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTransient<IStartupFilter, StreamPathStartupFilter>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, SluiceJsonContext.Wire);
        });
        services.AddOpenApi(o =>
        {
            // Scalars with converters (text, base64 bytes, numbers as sent) are described inline, not as components.
            o.CreateSchemaReferenceId = t =>
                (Nullable.GetUnderlyingType(t.Type) ?? t.Type) is var x && (x == typeof(Utf8Text) || x == typeof(ReadOnlyMemory<byte>) || x == typeof(RestNumber))
                    ? null
                    : OpenApiOptions.CreateDefaultSchemaReferenceId(t);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Sluice REST API";
                document.Info.Description = "Durable queues over HTTP/JSON. Durations are seconds, sizes bytes, times ISO-8601 UTC. " +
                                            "Every error is application/problem+json with code and field.";

                // The document is the same wherever the server runs (it is checked in, docs/openapi/v1.json): clients
                // are given the server's address.
                document.Servers = [];

                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DescribeRequestBodyAsync);
            o.AddOperationTransformer(DescribeResponses);
            o.AddSchemaTransformer(DescribeSchema);
            o.AddSchemaTransformer(DescribeStreamSchemaAsync);
            o.AddSchemaTransformer(DescribeTopicSchema);
        });
        return services;
    }

    /// <summary>
    /// Whether a path belongs to the REST face: <c>/v1</c> and below, <c>/openapi</c> and below, and <c>/healthz</c>.
    /// SQS clients send to <c>/</c> and queue URLs (<c>/{account}/{queue}</c>), so the SQS face claims a request here only
    /// by its explicit JSON markers (<c>X-Amz-Target: AmazonSQS...</c>, <c>application/x-amz-json-1.0</c>); a REST call
    /// with no content type or a form one is answered by REST (400 malformed_request, problem+json).
    /// </summary>
    /// <param name="path">The request path.</param>
    public static bool OwnsPath(PathString path) =>
        path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Maps every REST route (under <c>/v1</c>), <c>GET /healthz</c>, and a fallback that answers unknown routes with a
    /// 404 <c>route_not_found</c> problem. Broker errors become application/problem+json through one status table
    /// (<see cref="RestErrors"/>); unexpected exceptions become 500 <c>internal_error</c> without internals.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="broker">The started broker the routes call.</param>
    /// <returns>The <c>/v1</c> route group, for further conventions (authorization, rate limiting).</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static RouteGroupBuilder MapSluiceRestApi(this IEndpointRouteBuilder endpoints, Broker broker)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(broker);
        var services = endpoints.ServiceProvider;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Faces.Rest");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var h = new RestHandlers(broker);

        endpoints.MapGet("/healthz", static () => TypedResults.Text("ok")).WithName("Health").WithTags("Health")
            .WithSummary("Liveness check")
            .WithDescription("Answers 200 with the text `ok` while the server runs (no queue or store access).")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        // A path no route serves is 404 route_not_found; a path served only with other methods is 405 method_not_allowed
        // with Allow (the fallback matches every method, so routing's own empty 405 never happens).
        var routes = new Lazy<(TemplateMatcher Matcher, string[] Methods)[]>(() => [.. endpoints.DataSources
            .SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is { HttpMethods.Count: > 0 } && e.RoutePattern.RawText is not "{*path}")
            .Select(e => (new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()),
                e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.ToArray()))]);
        endpoints.MapFallback("{*path}", (HttpContext context) =>
            {
                var allowed = routes.Value.Where(r => r.Matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
                    .SelectMany(r => r.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();
                if (allowed.Length == 0)
                {
                    return RestErrors.ToResult(RestErrors.RouteNotFound,
                        $"no route serves {context.Request.Method} {context.Request.Path}: see /openapi/v1.json for the routes", null);
                }

                context.Response.Headers.Allow = string.Join(", ", allowed);
                return RestErrors.ToResult(RestErrors.MethodNotAllowed,
                    $"{context.Request.Path} does not take {context.Request.Method}: use {string.Join(", ", allowed)} (see /openapi/v1.json)", null);
            })
            .ExcludeFromDescription();

        // Every /v1 route may answer 500 internal_error and 503 unavailable.
        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter(new RestErrorFilter(logger)).WithTags("Sluice")
            .WithMetadata(Problem(StatusCodes.Status500InternalServerError), Problem(StatusCodes.Status503ServiceUnavailable));
        var queues = v1.MapGroup("/queues").WithTags("Queues");
        queues.MapGet("", (Func<HttpContext, Task<IResult>>)h.ListQueuesAsync).WithName("ListQueues")
            .WithSummary("List queues").WithDescription("Every queue with its options, ordered by name.")
            .Produces<QueueListResponse>();
        queues.MapPost("", (Func<HttpContext, Task<IResult>>)h.CreateQueueAsync).WithName("CreateQueue")
            .WithSummary("Create a queue")
            .WithDescription("Creates the queue `name` with the given options (others take their defaults). Idempotent: 201 when created, 200 when it " +
                             "exists with the same options, 409 queue_already_exists when it exists with other options.")
            .WithRequestBody<QueueOptionsRequest>(false, "name").Produces<QueueResponse>(StatusCodes.Status201Created).Produces<QueueResponse>()
            .WithProblems(StatusCodes.Status409Conflict);
        queues.MapGet("/{name}", (HttpContext c, string name) => h.GetQueueAsync(c, name)).WithName("GetQueue")
            .WithSummary("Get a queue").WithDescription("The queue's options.")
            .Produces<QueueResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        queues.MapPatch("/{name}", (HttpContext c, string name) => h.UpdateQueueAsync(c, name)).WithName("UpdateQueue")
            .WithSummary("Update a queue")
            .WithDescription("Changes only the options the body names; a JSON null clears an optional option or restores a default. " +
                             "`name` may be given only if it equals the queue's; `fifo` cannot change.")
            .WithRequestBody<QueueOptionsRequest>(false).Produces<QueueResponse>()
            .WithProblems(StatusCodes.Status404NotFound);
        queues.MapDelete("/{name}", (HttpContext c, string name) => h.DeleteQueueAsync(c, name)).WithName("DeleteQueue")
            .WithSummary("Delete a queue")
            .WithDescription("Deletes the queue and its messages. 409 queue_in_use while another queue names it as its dead-letter queue.")
            .Produces(StatusCodes.Status204NoContent).WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        queues.MapDelete("/{name}/messages", (HttpContext c, string name) => h.PurgeAsync(c, name)).WithName("PurgeQueue")
            .WithSummary("Purge a queue").WithDescription("Deletes every message of the queue (ready, delayed and in flight); answers how many.")
            .Produces<PurgeResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        queues.MapGet("/{name}/stats", (HttpContext c, string name) => h.GetStatsAsync(c, name)).WithName("GetQueueStats")
            .WithSummary("Get a queue's statistics").WithDescription("Message counts by state, bytes, oldest age, rates and waiting receivers.")
            .Produces<StatsResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        v1.MapGet("/stats", (Func<HttpContext, Task<IResult>>)h.GetAllStatsAsync).WithName("ListStats").WithTags("Queues")
            .WithSummary("Get every queue's statistics").WithDescription("The statistics of every queue, ordered by name.")
            .Produces<StatsListResponse>();

        var messages = queues.MapGroup("/{name}/messages").WithTags("Messages");
        messages.MapPost("", (HttpContext c, string name) => h.PublishAsync(c, name)).WithName("Publish")
            .WithSummary("Publish messages")
            .WithDescription("Publishes one message (`body` for UTF-8 text or `bodyBase64` for bytes, exactly one) or an atomic batch " +
                             "`{\"messages\":[...]}`. Answers one result per message, in order; `duplicate` is true when deduplication " +
                             "dropped it. 413 message_too_large past the queue's maxMessageSize, 429 queue_full (with Retry-After) when the queue is full.")
            .WithRequestBody<PublishRequest>(false).Produces<PublishResponse>()
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status429TooManyRequests);
        messages.MapPost("/receive", (HttpContext c, string name) => h.ReceiveAsync(c, name, stopping)).WithName("Receive")
            .WithSummary("Receive messages")
            .WithDescription("Leases up to `maxMessages` ready messages for `visibilityTimeoutSeconds`, waiting up to `waitTimeSeconds` " +
                             "for one to arrive (a long poll). An empty list when none came. Each message carries the `receiptHandle` " +
                             "to ack, nack or extend it. The body is optional (all defaults).")
            .WithRequestBody<ReceiveRequest>(true).Produces<MessageListResponse>()
            .WithProblems(StatusCodes.Status404NotFound);
        messages.MapPost("/ack", (HttpContext c, string name) => h.AckAsync(c, name)).WithName("Ack")
            .WithSummary("Acknowledge messages")
            .WithDescription("Deletes leased messages: one `receiptHandle` (204), or a `receiptHandles` list (200 with one result per handle). " +
                             "409 receipt_handle_stale when the lease expired and the message was received again.")
            .WithRequestBody<AckRequest>(false).Produces(StatusCodes.Status204NoContent).Produces<AckBatchResponse>()
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapPost("/nack", (HttpContext c, string name) => h.NackAsync(c, name)).WithName("Nack")
            .WithSummary("Return a message")
            .WithDescription("Ends a lease early: the message is ready again after `delaySeconds` (default 0); `error` is kept as the last error " +
                             "and shown if the message is dead-lettered.")
            .WithRequestBody<NackRequest>(false, "receiptHandle").Produces(StatusCodes.Status204NoContent)
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapPost("/extend", (HttpContext c, string name) => h.ExtendAsync(c, name)).WithName("Extend")
            .WithSummary("Extend a lease")
            .WithDescription("Sets the lease of a received message to end `visibilityTimeoutSeconds` from now; answers when it ends.")
            .WithRequestBody<ExtendRequest>(false, "receiptHandle", "visibilityTimeoutSeconds").Produces<ExtendResponse>()
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapGet("", (HttpContext c, string name) => h.PeekAsync(c, name)).WithName("Peek")
            .WithSummary("Peek at messages")
            .WithDescription("Up to `max` messages in delivery order without leasing them (no receipt handles, receive counts unchanged).")
            .WithMetadata(new QueryParameterMetadata("max", "Most messages to return: a whole number from 1 to 1000.", 1, Validation.MaxPeek, 10))
            .Produces<MessageListResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        queues.MapPost("/{name}/redrive", (HttpContext c, string name) => h.StartRedriveAsync(c, name)).WithName("StartRedrive").WithTags("Redrive")
            .WithSummary("Start a redrive")
            .WithDescription("Moves the messages of dead-letter queue `name` back to `destination` (default: each message's source queue) " +
                             "at up to `maxPerSecond`, in the background. The body is optional.")
            .WithRequestBody<RedriveRequest>(true).Produces<RedriveResponse>(StatusCodes.Status202Accepted)
            .WithProblems(StatusCodes.Status404NotFound);
        var redrives = v1.MapGroup("/redrives").WithTags("Redrive");
        redrives.MapGet("", (CancellationToken ct) => h.ListRedrivesAsync(ct)).WithName("ListRedrives")
            .WithSummary("List redrives").WithDescription("The redrives of every node sharing the store, newest first: the running ones and the 100 most recent finished ones. They survive restarts.")
            .Produces<RedriveListResponse>();
        redrives.MapGet("/{id}", (string id, CancellationToken ct) => h.GetRedriveAsync(id, ct)).WithName("GetRedrive")
            .WithSummary("Get a redrive").WithDescription("A redrive's state and progress.")
            .Produces<RedriveResponse>().WithProblems(StatusCodes.Status404NotFound);
        redrives.MapDelete("/{id}", (string id, CancellationToken ct) => h.CancelRedriveAsync(id, ct)).WithName("CancelRedrive")
            .WithSummary("Cancel a redrive").WithDescription("Stops a running redrive on whichever node runs it; messages already moved stay moved. " +
                             "Waits until it stopped (at most 5 s when another node runs it; then it is still `running` and stops within about a second).")
            .Produces<RedriveResponse>().WithProblems(StatusCodes.Status404NotFound);
        MapStreams(v1, broker, stopping);
        MapTopics(v1, broker);
        MapDeadLetters(v1, broker);
        return v1;
    }

    // The handlers read their bodies themselves (so a wrong content type is a 400 malformed_request, not a routing
    // miss): the request body is described to OpenAPI by this metadata instead of Accepts<T>(). A route with a body can
    // also answer 400 (malformed or invalid), 408 (the body came too slowly), 413 (the body is over the limit) and,
    // as it writes, 507 (the server's storage is full).
    private static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder builder, bool optional, params string[] required) =>
        builder.WithMetadata(new RequestBodyMetadata(typeof(T), optional, required))
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status408RequestTimeout, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status507InsufficientStorage);

    private static async Task DescribeRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var query in metadata.OfType<QueryParameterMetadata>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name,
                In = ParameterLocation.Query,
                Required = query.Required,
                Description = query.Description,
                Schema = new OpenApiSchema
                {
                    Type = query.Type,
                    Format = query.Format,
                    Minimum = query.Minimum,
                    Maximum = query.Maximum,
                    // A node has one parent: a new one for each document.
                    Default = query.Default switch { int i => JsonValue.Create(i), string t => JsonValue.Create(t), _ => null },
                    Enum = query.Values is { Length: > 0 } values ? [.. values.Select(v => (JsonNode)JsonValue.Create(v))] : null,
                },
            });
        }

        if (metadata.OfType<RequestBodyMetadata>().FirstOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false);
        if (body.Required.Length > 0)
        {
            // The schema is this operation's own copy (request bodies are inlined), so the required list is per route.
            schema.Required = new HashSet<string>(body.Required, StringComparer.Ordinal);

            // A required property cannot be null either.
            foreach (var name in body.Required)
            {
                if (schema.Properties?.TryGetValue(name, out var property) == true && property is OpenApiSchema { Type: { } propertyType } inline)
                {
                    inline.Type = propertyType & ~JsonSchemaType.Null;
                }
            }
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.Optional,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = schema } },
        };
    }

    // Problem responses say which codes they carry, so a client author knows what to expect.
    private static Task DescribeResponses(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is OpenApiResponse r && r.Content?.ContainsKey(RestErrors.ProblemContentType) == true &&
                int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                r.Description = $"{r.Description}: application/problem+json with code {RestErrors.CodesOf(code)} (docs/errors.md)";
            }
        }

        return Task.CompletedTask;
    }

    // The JSON types with converters have no shape the schema generator can see: describe them here. And properties
    // left out when null (body/bodyBase64, receiptHandle, an ack result's code) are not required.
    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A description taken from an XML doc comment keeps the XML escapes of its code spans (`&gt;`); the document's
        // text is Markdown, so it gets the characters.
        foreach (var property in schema.Properties?.Values.OfType<OpenApiSchema>() ?? [])
        {
            if (property.Description is { } text && text.Contains('&', StringComparison.Ordinal))
            {
                property.Description = System.Net.WebUtility.HtmlDecode(text);
            }
        }

        var type = context.JsonTypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        (JsonSchemaType Type, string? Format, string? Description)? shape =
            scalar == typeof(Utf8Text) ? (JsonSchemaType.String, null, "UTF-8 text.")
            : scalar == typeof(ReadOnlyMemory<byte>) ? (JsonSchemaType.String, "byte", "Bytes, base64-encoded.")
            : scalar == typeof(RestNumber) && context.JsonPropertyInfo?.Name.EndsWith("Seconds", StringComparison.Ordinal) == true
                ? (JsonSchemaType.Number, "double", null)
            : scalar == typeof(RestNumber) ? (JsonSchemaType.Integer, "int64", null)
            : null;
        if (shape is { } s)
        {
            schema.Type = nullable || context.JsonPropertyInfo is { } p && !p.PropertyType.IsValueType ? s.Type | JsonSchemaType.Null : s.Type;
            schema.Format = s.Format;
            schema.Description ??= s.Description;
            schema.OneOf = null;
            schema.AnyOf = null;
            schema.Properties = null;
            return Task.CompletedTask;
        }

        if (EnumValues(context.JsonPropertyInfo) is { } values)
        {
            // A string holding one of Sluice's enums: list its spellings (kebab-case; parsing also takes camelCase).
            schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            return Task.CompletedTask;
        }

        if (type == typeof(MessageAttributeValue))
        {
            // The model's XML docs name .NET members; this face's JSON spells them in camelCase.
            schema.Description = "A message attribute, as in SQS: dataType String, Number or Binary (optionally with a custom suffix, " +
                                 "String.json), and stringValue (String, Number) or binaryValue (Binary, base64).";
        }

        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.ShouldSerialize is not null)
            {
                schema.Required?.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The spellings a string property of an enum accepts or answers, or null when it is not one.</summary>
    private static IEnumerable<string>? EnumValues(JsonPropertyInfo? property) => property switch
    {
        { Name: "overflowPolicy" } => Enum.GetValues<OverflowPolicy>().Select(EnumNames.Of),
        { Name: "deduplicationScope" } => Enum.GetValues<DeduplicationScope>().Select(EnumNames.Of),
        { Name: "state" } when property.DeclaringType == typeof(MessageResponse) => Enum.GetValues<MessageState>().Select(RestMapping.Spell),
        { Name: "state" } when property.DeclaringType == typeof(RedriveResponse) => Enum.GetValues<RedriveState>().Select(RestMapping.Spell),
        _ => null,
    };

    private sealed record RequestBodyMetadata(Type Type, bool Optional, string[] Required);

    /// <summary>A query parameter a route takes: its name, description and schema (type, format, range, default (an int or a string), values).</summary>
    private sealed record QueryParameterMetadata(string Name, string Description, JsonSchemaType Type, string? Format, string? Minimum, string? Maximum, object? Default, string[]? Values)
    {
        /// <summary>Whether the route refuses a request without it. Default false.</summary>
        public bool Required { get; init; }

        /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
        public QueryParameterMetadata(string name, string description, int minimum, int maximum, int @default)
            : this(name, description, JsonSchemaType.Integer, "int32", minimum.ToString(CultureInfo.InvariantCulture),
                maximum.ToString(CultureInfo.InvariantCulture), @default, null)
        {
        }

        /// <summary>A string, optionally one of <paramref name="values"/>.</summary>
        public static QueryParameterMetadata Text(string name, string description, string? @default, params string[] values) =>
            new(name, description, JsonSchemaType.String, null, null, null, @default, values);

        /// <summary>A number of seconds, fractions allowed.</summary>
        public static QueryParameterMetadata Seconds(string name, string description) =>
            new(name, description, JsonSchemaType.Number, "double", "0", null, null, null);
    }

    private static ProducesResponseTypeMetadata Problem(int status) =>
        new(status, typeof(ProblemResponse), [RestErrors.ProblemContentType]);

    private static RouteHandlerBuilder WithProblems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.Produces<ProblemResponse>(status, RestErrors.ProblemContentType);
        }

        return builder;
    }

    /// <summary>
    /// Refuses a query parameter the route does not take (as an unknown body property is): a typo such as <c>?mx=5</c>
    /// would otherwise silently keep the default. The parameters a route takes are its <see cref="QueryParameterMetadata"/>.
    /// </summary>
    /// <exception cref="SluiceException">malformed_request naming the first unknown parameter and the ones the route takes.</exception>
    private static void RefuseUnknownQueryParameters(HttpContext context)
    {
        if (context.Request.Query.Count == 0)
        {
            return;
        }

        var known = context.GetEndpoint()?.Metadata.GetOrderedMetadata<QueryParameterMetadata>().Select(q => q.Name).ToArray() ?? [];
        foreach (var name in context.Request.Query.Keys)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw new SluiceException(ErrorCodes.MalformedRequest,
                    $"query parameter '{Validation.Quote(name)}' is not one this route takes: " +
                    (known.Length == 0 ? "remove it (this route takes no query parameters)" : $"use {string.Join(", ", known)}"), name);
            }
        }
    }

    /// <summary>Turns exceptions from a REST handler into problem responses (the one place errors are rendered).</summary>
    private sealed class RestErrorFilter(ILogger logger) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
        {
            var context = invocation.HttpContext;
            try
            {
                RefuseUnknownQueryParameters(context);
                return await next(invocation).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.Internal)
            {
                // The message may carry internals (SQL, paths): it goes to the log only, the client gets the trace id.
                RestLog.RequestInternalError(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier);
                return RestErrors.ToResult(ErrorCodes.Internal, RestErrors.InternalDetail(context.TraceIdentifier), null);
            }
            catch (SluiceException ex) when (ex.ErrorCode is ErrorCodes.Unavailable or ErrorCodes.StorageFull or ErrorCodes.StorageFailed)
            {
                // These messages are written for users (shutting down, disk full): shown; the cause (the storage
                // engine's own error, in the inner exception) goes to the log only.
                RestLog.ServiceFailure(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier);
                return RestErrors.ToResult(ex);
            }
            catch (SluiceException ex)
            {
                RestLog.RequestRefused(logger, context.Request.Method, context.Request.Path.Value ?? "", ex.ErrorCode, ex.Field);
                return RestErrors.ToResult(ex);
            }
            catch (BadHttpRequestException ex)
            {
                return RestErrors.ToResult(HttpBodyErrors.From(context, ex));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody reads an answer.
                return Results.Empty;
            }
            catch (Exception ex)
            {
                RestLog.RequestFailed(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier);
                return RestErrors.ToResult(ErrorCodes.Internal, RestErrors.InternalDetail(context.TraceIdentifier), null);
            }
        }
    }
}
