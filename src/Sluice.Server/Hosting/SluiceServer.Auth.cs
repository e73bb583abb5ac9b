using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Contracts;
using Sluice.Faces.Rest;
using Sluice.Security;
using Sluice.Server.Internal;
using Sluice.Server.Security;

namespace Sluice.Server.Hosting;

/// <summary>Authentication, authorization, API keys and the audit log of the server (docs/security.md).</summary>
public sealed partial class SluiceServer
{
    /// <summary>The name of the file in the data directory holding the first admin key.</summary>
    /// <remarks>The file holds the key text and a newline.</remarks>
    public const string AdminKeyFileName = "admin.key";

    /// <summary>Administrative REST endpoints, recorded in the audit log (by endpoint name).</summary>
    private static readonly HashSet<string> AuditedEndpoints = new(StringComparer.Ordinal)
    {
        "CreateQueue", "UpdateQueue", "DeleteQueue", "PurgeQueue", "StartRedrive", "CancelRedrive",
        "RedriveDeadLetterGroup", "DeleteDeadLetterGroup", "MoveDeadLetterGroup",
        "PutStream", "DeleteStream", "DeleteEntry", "DeleteEntries", "TrimStream",
        "CreateStreamGroup", "SetStreamGroupId", "DeleteStreamGroup", "CreateStreamConsumer", "DeleteStreamConsumer",
        "CreateTopic", "DeleteTopic", "Subscribe", "Unsubscribe",
        CreateApiKeyEndpoint, RevokeApiKeyEndpoint,
    };

    private const string CreateApiKeyEndpoint = "CreateApiKey";
    private const string RevokeApiKeyEndpoint = "RevokeApiKey";

    /// <summary>Where an endpoint names the resource it acted on when the route does not (a created key's id).</summary>
    private const string AuditResourceItem = "sluice.audit.resource";

    /// <summary>
    /// The first admin key's text when this start created it (authentication on and no API key existed), else
    /// <see langword="null"/>. It is also written to <c>{DataDirectory}/admin.key</c> (mode 0600); <c>sluice serve</c>
    /// prints it this once. The key is never logged (the log names its id and file).
    /// </summary>
    public string? CreatedAdminKey { get; private set; }

    /// <summary>The file the first admin key was written to when this start created it (<see cref="CreatedAdminKey"/>), else <see langword="null"/>.</summary>
    public string? AdminKeyPath { get; private set; }

    /// <summary>Where the server looks credentials up (API keys and SigV4 pairs), shared by every face.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public ICredentialStore Credentials => _app?.Services.GetRequiredService<ICredentialStore>() ?? throw NotStarted();

    /// <summary>Registers the credential store, the authenticator and the audit log.</summary>
    private void AddAuthServices(IServiceCollection services)
    {
        services.AddSingleton(sp => new SluiceCredentialStore(() => sp.GetRequiredService<Broker>().SystemRecords, Options.Auth.Enabled,
            Options.Sqs.Credentials, Options.Auth.CacheTtl, _time));
        services.AddSingleton<ICredentialStore>(sp => sp.GetRequiredService<SluiceCredentialStore>());
        services.AddSingleton(sp => new SluiceAuthenticator(sp.GetRequiredService<ICredentialStore>(), Options.Auth.Jwt, _time));
        services.AddSingleton(sp => new SluiceAuditLog(sp.GetRequiredService<ILoggerFactory>(), AuditLogPath(), _time));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(AuthJsonContext.Default));
    }

    /// <summary>The audit file, or null (authentication off, or <see cref="AuthOptions.AuditLog"/> empty).</summary>
    private string? AuditLogPath()
    {
        if (!Options.Auth.Enabled || string.IsNullOrEmpty(Options.Auth.AuditLog))
        {
            return null;
        }

        var directory = Path.GetFullPath(Options.DataDirectory);
        CreatePrivateDirectory(directory);
        return Path.Combine(directory, Options.Auth.AuditLog);
    }

    /// <summary>
    /// The HTTP face's authentication, after the SQS face (which answers its own requests, SigV4 included): every
    /// request but the health checks, the OpenAPI document and the dashboard's static files needs a bearer API key or
    /// JWT, and is served as its principal; administrative endpoints are recorded in the audit log.
    /// </summary>
    private static void UseAuth(WebApplication app)
    {
        var authenticator = app.Services.GetRequiredService<SluiceAuthenticator>();
        var audit = app.Services.GetRequiredService<SluiceAuditLog>();
        app.Use(async (context, next) =>
        {
            if (IsAnonymousPath(context.Request.Path))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            SluicePrincipal? principal = null;
            if (authenticator.Required)
            {
                var result = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
                if (result.Principal is null)
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"sluice\"";
                    await RestErrors.WriteProblemAsync(context, ErrorCodes.Unauthenticated, result.Failure!, null).ConfigureAwait(false);
                    return;
                }

                principal = result.Principal;
            }

            var audited = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is { } endpointName && AuditedEndpoints.Contains(endpointName);
            if (audited && HttpMethods.IsPost(context.Request.Method))
            {
                // A create names its resource in the body ({"name": ...}): keep the body readable for the audit entry.
                context.Request.EnableBuffering();
            }

            if (principal is null)
            {
                await next(context).ConfigureAwait(false);
            }
            else
            {
                using (SluiceAccess.Enter(principal))
                {
                    await next(context).ConfigureAwait(false);
                }
            }

            if (audited && context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is { } action)
            {
                var status = context.Response.StatusCode;
                var resource = context.Items.TryGetValue(AuditResourceItem, out var named) ? named as string
                    : context.Request.RouteValues.TryGetValue("name", out var name) ? name as string
                    : context.Request.RouteValues.TryGetValue("id", out var id) ? id as string : null;
                var queue = context.Request.RouteValues.TryGetValue("queue", out var routeQueue) ? routeQueue as string : null;
                if (HttpMethods.IsPost(context.Request.Method) && (resource is null || queue is null))
                {
                    var (bodyName, bodyQueue) = await BodyNamesAsync(context.Request).ConfigureAwait(false);
                    resource ??= bodyName;
                    queue ??= action == "Subscribe" ? bodyQueue : null;
                }

                if (queue is not null)
                {
                    resource = resource is null ? queue : $"{resource}/{queue}";
                }

                audit.Record(principal, action, resource, status < 400 ? "succeeded" : status is 401 or 403 ? "denied" : "failed", status);
            }
        });
    }

    /// <summary>The <c>name</c> and <c>queue</c> string properties of a buffered JSON request body, for the audit entry (nulls when absent or not JSON).</summary>
    private static async Task<(string? Name, string? Queue)> BodyNamesAsync(HttpRequest request)
    {
        if (!request.Body.CanSeek)
        {
            return (null, null);
        }

        try
        {
            request.Body.Position = 0;
            using var document = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            static string? Text(JsonElement o, string property) =>
                o.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Text(document.RootElement, "name"), Text(document.RootElement, "queue"));
        }
        catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    /// <summary>Paths served without credentials: health checks, the OpenAPI document, the dashboard's static files (its API calls go to /v1 with a key).</summary>
    internal static bool IsAnonymousPath(PathString path) =>
        path.StartsWithSegments("/healthz") || path.Equals("/openapi/v1.json", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/ui");

    /// <summary>Maps <c>/v1/auth/keys</c> (create, list, revoke API keys; admin on <c>*</c> only) onto the REST face's group.</summary>
    private static void MapAuthKeys(RouteGroupBuilder v1, SluiceCredentialStore store)
    {
        var keys = v1.MapGroup("/auth/keys").WithTags("Auth");
        var create = keys.MapPost("", (Func<HttpContext, Task<IResult>>)(c => CreateKeyAsync(c, store)))
            .WithName(CreateApiKeyEndpoint)
            .WithSummary("Create an API key")
            .WithDescription("Creates an API key with the given grants (PATTERN:PERMISSIONS, such as orders-*:publish,consume or *:all) and returns its text " +
                             "once: the server keeps only its SHA-256. With sigV4 true it also returns a SigV4 key pair for SQS clients (access key id = the key's id; " +
                             "the server keeps that secret, as SigV4 needs it). Needs admin on '*'.")
            .Accepts<CreateApiKeyRequest>("application/json")
            .Produces<CreatedApiKey>(StatusCodes.Status201Created);
        Problems(create, 400, 401, 403, 408, 413, 415, 500, 503);
        var list = keys.MapGet("", (Func<HttpContext, Task<IResult>>)(c => ListKeysAsync(c, store)))
            .WithName("ListApiKeys")
            .WithSummary("List API keys")
            .WithDescription("Every API key (revoked ones included) with its grants; never a secret or a hash. Needs admin on '*'.")
            .Produces<ApiKeyList>();
        Problems(list, 401, 403, 500, 503);
        var revoke = keys.MapDelete("/{id}", (HttpContext c, string id) => RevokeKeyAsync(c, id, store))
            .WithName(RevokeApiKeyEndpoint)
            .WithSummary("Revoke an API key")
            .WithDescription("Revokes the key: it authenticates nothing from now on (on this node at once, on the other nodes of a cluster within " +
                             "Sluice:Auth:CacheTtl). Revoking a revoked key returns it unchanged. Needs admin on '*'.")
            .Produces<ApiKeyInfo>();
        Problems(revoke, 400, 401, 403, 500, 503);
    }

    private static void Problems(RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.Produces<ProblemResponse>(status, RestErrors.ProblemContentType);
        }
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, SluiceCredentialStore store)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, null);
        CreateApiKeyRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, AuthJsonContext.Default.CreateApiKeyRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new SluiceException(ErrorCodes.MalformedRequest,
                $"the request body is not a key request ({ex.Message}): send {{\"name\":\"...\",\"grants\":[\"orders-*:publish,consume\"],\"sigV4\":false}}", null);
        }

        if (body is null)
        {
            throw new SluiceException(ErrorCodes.MalformedRequest, "the request body is empty: send {\"name\":\"...\",\"grants\":[\"*:all\"]}", null);
        }

        var grants = (body.Grants ?? []).Select((g, i) => GrantText.Parse(g, $"grants[{i}]")).ToList();
        var created = await store.CreateAsync(body.Name, grants, body.SigV4, context.RequestAborted).ConfigureAwait(false);
        context.Items[AuditResourceItem] = created.Key.Id;
        return TypedResults.Json(created, AuthJsonContext.Default.CreatedApiKey, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListKeysAsync(HttpContext context, SluiceCredentialStore store)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, null);
        var list = await store.ListAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new ApiKeyList(list), AuthJsonContext.Default.ApiKeyList);
    }

    private static async Task<IResult> RevokeKeyAsync(HttpContext context, string id, SluiceCredentialStore store)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, null);
        var revoked = await store.RevokeAsync(id, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(revoked, AuthJsonContext.Default.ApiKeyInfo);
    }

    /// <summary>
    /// After the store opened: with authentication on, creates the first admin key when none exists (printed once,
    /// written to <c>admin.key</c> with mode 0600); with it off, warns (louder when a listener is beyond loopback).
    /// </summary>
    private async Task StartAuthAsync(WebApplication app, CancellationToken cancellationToken)
    {
        if (!Options.Auth.Enabled)
        {
            var exposed = ExposedListeners();
            if (exposed.Count > 0)
            {
                Log.AuthOffExposed(_logger, string.Join(", ", exposed));
            }
            else
            {
                Log.AuthOff(_logger);
            }

            return;
        }

        var store = app.Services.GetRequiredService<SluiceCredentialStore>();
        var created = await store.CreateFirstAdminKeyAsync(cancellationToken).ConfigureAwait(false);
        if (created is null)
        {
            return;
        }

        CreatedAdminKey = created.ApiKey;
        AdminKeyPath = null;
        var directory = Path.GetFullPath(Options.DataDirectory);
        CreatePrivateDirectory(directory);
        var path = Path.Combine(directory, AdminKeyFileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(created.ApiKey + "\n"), cancellationToken).ConfigureAwait(false);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on create: make sure only this user can read the key.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        AdminKeyPath = path;
        Log.AdminKeyCreated(_logger, created.Key.Id, path);
    }

    /// <summary>The listeners bound beyond loopback (HTTP, gRPC, RESP), for the warning when authentication is off.</summary>
    private List<string> ExposedListeners()
    {
        var exposed = new List<string>();
        void Check(string? url)
        {
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                return;
            }

            var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
            {
                exposed.Add(url);
            }
        }

        Check(Options.HttpUrl);
        if (Options.Grpc.Enabled)
        {
            Check(Options.GrpcUrl);
        }

        if (Options.Resp.Enabled)
        {
            Check(Options.Resp.Url);
        }

        return exposed;
    }
}
