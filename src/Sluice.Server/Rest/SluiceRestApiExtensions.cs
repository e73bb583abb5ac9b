using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Sluice.Server.Internal;

namespace Sluice.Server.Rest;

/// <summary>
/// Adds Sluice's REST face (docs/rest-api.md) to any ASP.NET Core application: call <see cref="AddSluiceRestApi"/> on
/// the services and <see cref="MapSluiceRestApi"/> on the endpoints. <see cref="Hosting.SluiceServer"/> does both.
/// </summary>
public static class SluiceRestApiExtensions
{
    /// <summary>
    /// Registers what the REST face needs: the source-generated JSON metadata (ahead of any other resolver) and the
    /// OpenAPI document <c>v1</c> (served by <c>MapOpenApi()</c> at <c>/openapi/v1.json</c>).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddSluiceRestApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RestJsonContext.Web));
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Sluice REST API";
                document.Info.Description = "Durable queues over HTTP/JSON. Durations are seconds, sizes bytes, times ISO-8601 UTC. " +
                                            "Every error is application/problem+json with code and field.";
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DescribeRequestBodyAsync);
            o.AddSchemaTransformer((schema, context, _) =>
            {
                // Properties left out when null (body/bodyBase64, receiptHandle, an ack result's code) are not required.
                foreach (var property in context.JsonTypeInfo.Properties)
                {
                    if (property.ShouldSerialize is not null)
                    {
                        schema.Required?.Remove(property.Name);
                    }
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

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
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Server.Rest");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var h = new RestHandlers(broker);

        endpoints.MapGet("/healthz", static () => TypedResults.Text("ok")).WithName("Health").WithTags("Health").ExcludeFromDescription();
        endpoints.MapFallback("{*path}", static (HttpContext context) => RestErrors.ToResult(RestErrors.RouteNotFound,
                $"no route serves {context.Request.Method} {context.Request.Path}: see /openapi/v1.json for the routes", null))
            .ExcludeFromDescription();

        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter(new RestErrorFilter(logger)).WithTags("Sluice");
        var queues = v1.MapGroup("/queues").WithTags("Queues");
        queues.MapGet("", (Func<HttpContext, Task<IResult>>)h.ListQueuesAsync).WithName("ListQueues")
            .Produces<QueueListResponse>();
        queues.MapPost("", (Func<HttpContext, Task<IResult>>)h.CreateQueueAsync).WithName("CreateQueue")
            .WithRequestBody<QueueOptionsRequest>(false).Produces<QueueResponse>(StatusCodes.Status201Created).Produces<QueueResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        queues.MapGet("/{name}", (HttpContext c, string name) => h.GetQueueAsync(c, name)).WithName("GetQueue")
            .Produces<QueueResponse>().WithProblems(StatusCodes.Status404NotFound);
        queues.MapPatch("/{name}", (HttpContext c, string name) => h.UpdateQueueAsync(c, name)).WithName("UpdateQueue")
            .WithRequestBody<QueueOptionsRequest>(false).Produces<QueueResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        queues.MapDelete("/{name}", (HttpContext c, string name) => h.DeleteQueueAsync(c, name)).WithName("DeleteQueue")
            .Produces(StatusCodes.Status204NoContent).WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        queues.MapDelete("/{name}/messages", (HttpContext c, string name) => h.PurgeAsync(c, name)).WithName("PurgeQueue")
            .Produces<PurgeResponse>().WithProblems(StatusCodes.Status404NotFound);
        queues.MapGet("/{name}/stats", (HttpContext c, string name) => h.GetStatsAsync(c, name)).WithName("GetQueueStats")
            .Produces<StatsResponse>().WithProblems(StatusCodes.Status404NotFound);
        v1.MapGet("/stats", (Func<HttpContext, Task<IResult>>)h.GetAllStatsAsync).WithName("ListStats").WithTags("Queues")
            .Produces<StatsListResponse>();

        var messages = queues.MapGroup("/{name}/messages").WithTags("Messages");
        messages.MapPost("", (HttpContext c, string name) => h.PublishAsync(c, name)).WithName("Publish")
            .WithRequestBody<PublishRequest>(false).Produces<PublishResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status429TooManyRequests);
        messages.MapPost("/receive", (HttpContext c, string name) => h.ReceiveAsync(c, name, stopping)).WithName("Receive")
            .WithRequestBody<ReceiveRequest>(true).Produces<MessageListResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        messages.MapPost("/ack", (HttpContext c, string name) => h.AckAsync(c, name)).WithName("Ack")
            .WithRequestBody<AckRequest>(false).Produces(StatusCodes.Status204NoContent).Produces<AckBatchResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapPost("/nack", (HttpContext c, string name) => h.NackAsync(c, name)).WithName("Nack")
            .WithRequestBody<NackRequest>(false).Produces(StatusCodes.Status204NoContent)
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapPost("/extend", (HttpContext c, string name) => h.ExtendAsync(c, name)).WithName("Extend")
            .WithRequestBody<ExtendRequest>(false).Produces<ExtendResponse>()
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        messages.MapGet("", (HttpContext c, string name) => h.PeekAsync(c, name)).WithName("Peek")
            .Produces<MessageListResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        queues.MapPost("/{name}/redrive", (HttpContext c, string name) => h.StartRedriveAsync(c, name)).WithName("StartRedrive").WithTags("Redrive")
            .WithRequestBody<RedriveRequest>(true).Produces<RedriveResponse>(StatusCodes.Status202Accepted)
            .WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        var redrives = v1.MapGroup("/redrives").WithTags("Redrive");
        redrives.MapGet("", () => h.ListRedrives()).WithName("ListRedrives").Produces<RedriveListResponse>();
        redrives.MapGet("/{id}", (string id) => h.GetRedrive(id)).WithName("GetRedrive")
            .Produces<RedriveResponse>().WithProblems(StatusCodes.Status404NotFound);
        redrives.MapDelete("/{id}", (string id) => h.CancelRedriveAsync(id)).WithName("CancelRedrive")
            .Produces<RedriveResponse>().WithProblems(StatusCodes.Status404NotFound);
        return v1;
    }

    // The handlers read their bodies themselves (so a wrong content type is a 400 malformed_request, not a routing
    // miss): the request body is described to OpenAPI by this metadata instead of Accepts<T>().
    private static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder builder, bool optional) =>
        builder.WithMetadata(new RequestBodyMetadata(typeof(T), optional));

    private static async Task DescribeRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyMetadata>().FirstOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.Optional,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = schema } },
        };
    }

    private sealed record RequestBodyMetadata(Type Type, bool Optional);

    private static RouteHandlerBuilder WithProblems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.Produces<ProblemResponse>(status, RestErrors.ProblemContentType);
        }

        return builder;
    }

    /// <summary>Turns exceptions from a REST handler into problem responses (the one place errors are rendered).</summary>
    private sealed class RestErrorFilter(ILogger logger) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
        {
            var context = invocation.HttpContext;
            try
            {
                return await next(invocation).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.Internal)
            {
                // The message may carry internals (SQL, paths): it goes to the log only, the client gets the trace id.
                Log.RequestInternalError(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier);
                return RestErrors.ToResult(ErrorCodes.Internal, RestErrors.InternalDetail(context.TraceIdentifier), null);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.Unavailable)
            {
                // Unavailable messages are written for users (shutting down, database in use): shown and logged.
                Log.RequestUnavailable(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier, ex.Message);
                return RestErrors.ToResult(ex);
            }
            catch (SluiceException ex)
            {
                Log.RequestRefused(logger, context.Request.Method, context.Request.Path.Value ?? "", ex.ErrorCode, ex.Field);
                return RestErrors.ToResult(ex);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return RestErrors.ToResult(RestBody.TooLarge(context, ex));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody reads an answer.
                return Results.Empty;
            }
            catch (Exception ex)
            {
                Log.RequestFailed(logger, ex, context.Request.Method, context.Request.Path.Value ?? "", context.TraceIdentifier);
                return RestErrors.ToResult(ErrorCodes.Internal, RestErrors.InternalDetail(context.TraceIdentifier), null);
            }
        }
    }
}
