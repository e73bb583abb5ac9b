using Grpc.Core;
using Grpc.Core.Interceptors;
using Sluice.Security;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>
/// Authenticates every call of the gRPC face (unary and streaming alike) from its <c>authorization: Bearer &lt;token&gt;</c>
/// metadata and runs it inside <see cref="SluiceAccess.Enter"/>, so the broker checks each operation against the
/// caller's grants. A call without valid credentials fails with <c>unauthenticated</c> (gRPC UNAUTHENTICATED) before
/// it reaches a service; a refused operation fails with <c>access_denied</c> (PERMISSION_DENIED), mapped by
/// <see cref="ErrorInterceptor"/>. Does nothing while the credential store does not require authentication.
/// </summary>
internal sealed class AuthInterceptor(GrpcAuthentication authentication) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal)
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        using var access = SluiceAccess.Enter(principal);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal)
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }

        using var access = SluiceAccess.Enter(principal);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        using var access = SluiceAccess.Enter(principal);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal)
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return;
        }

        using var access = SluiceAccess.Enter(principal);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }
}

/// <summary>How the gRPC face finds a call's principal: the credential store's API keys, then the bearer-token validator (JWT).</summary>
internal sealed class GrpcAuthentication(ICredentialStore? credentials, Func<string, CancellationToken, ValueTask<SluicePrincipal?>>? bearerTokenValidator)
{
    private const string Scheme = "Bearer ";

    /// <summary>
    /// The caller's principal, or <see langword="null"/> when authentication is off (no store, or it does not require it).
    /// </summary>
    /// <exception cref="SluiceException"><c>unauthenticated</c>: no <c>authorization</c> metadata, not a bearer token, or a token no one knows.</exception>
    public async ValueTask<SluicePrincipal?> AuthenticateAsync(ServerCallContext context)
    {
        if (credentials is not { Required: true })
        {
            return null;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new SluiceException(ErrorCodes.Unauthenticated,
                "the call carries no credentials: send the metadata 'authorization: Bearer <api key>' (the .NET SDK: SluiceClientOptions.ApiKey)");
        }

        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            throw new SluiceException(ErrorCodes.Unauthenticated,
                "the 'authorization' metadata is not a bearer token: send 'authorization: Bearer <api key or JWT>'");
        }

        var token = header[Scheme.Length..].Trim();
        var principal = await credentials.AuthenticateApiKeyAsync(token, context.CancellationToken).ConfigureAwait(false);
        if (principal is null && bearerTokenValidator is not null)
        {
            principal = await bearerTokenValidator(token, context.CancellationToken).ConfigureAwait(false);
        }

        return principal ?? throw new SluiceException(ErrorCodes.Unauthenticated,
            "the bearer token is not a valid API key or token (unknown, revoked, expired or malformed): send a current key ('sluice auth key create')");
    }
}
