using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>
/// Turns every failure of a call into its gRPC status in one place: a <see cref="SluiceException"/> through
/// <see cref="ForClient"/> and <see cref="GrpcErrors.ToRpcException"/>; anything unexpected, and an
/// <c>internal_error</c>, into INTERNAL with a generic message (the details go to the server log, never to the
/// client). A call the client cancelled ends as the framework ends it.
/// </summary>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>The exception to end the call with, or <see langword="null"/> to let the original through (already a status, or the client's cancellation).</summary>
    private RpcException? Translate(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case SluiceException sluice:
                return GrpcErrors.ToRpcException(ForClient(logger, sluice, context.Method));
            case RpcException:
                return null;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return null;
            case IOException when context.CancellationToken.IsCancellationRequested:
                return null;
            default:
                GrpcLog.CallFailed(logger, exception, context.Method);
                return GrpcErrors.ToRpcException(Unexpected());
        }
    }

    /// <summary>
    /// The error a client is told for <paramref name="error"/>, logged where the operator needs it: an
    /// <c>internal_error</c> becomes the generic INTERNAL text (its own message may carry SQL or paths) and is logged
    /// (event 3300, Error); <c>unavailable</c>, <c>storage_full</c> and <c>storage_failed</c> keep their message and are
    /// logged with their cause, the storage engine's exception (event 3301, Warning); any other code is returned as is.
    /// Every failure a call answers, as its status or inside a stream answer, passes through here.
    /// </summary>
    /// <param name="logger">Where to log.</param>
    /// <param name="error">What the broker or the store threw.</param>
    /// <param name="method">The call's full method name, for the log.</param>
    internal static SluiceException ForClient(ILogger logger, SluiceException error, string method)
    {
        switch (error.ErrorCode)
        {
            case ErrorCodes.Internal:
                GrpcLog.CallFailed(logger, error, method);
                return Unexpected();
            case ErrorCodes.Unavailable or ErrorCodes.StorageFull or ErrorCodes.StorageFailed:
                GrpcLog.ServiceFailure(logger, error, method, error.ErrorCode);
                return error;
            default:
                return error;
        }
    }

    private static SluiceException Unexpected() => new(ErrorCodes.Internal,
        "an unexpected error occurred; the request may or may not have taken effect (see the server log)");
}
