using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>
/// Turns every failure of a call into its gRPC status in one place: a <see cref="SluiceException"/> through
/// <see cref="GrpcErrors.ToRpcException"/>; anything unexpected into INTERNAL with a generic message (the details go
/// to the server log, never to the client). A call the client cancelled ends as the framework ends it.
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
            case SluiceException { ErrorCode: ErrorCodes.Internal }:
                // Its message may carry internals (SQL, paths): it goes to the log only.
                return Unexpected(exception, context);
            case SluiceException sluice:
                if (sluice.ErrorCode is ErrorCodes.Unavailable or ErrorCodes.StorageFull or ErrorCodes.StorageFailed)
                {
                    // The status says what happened; the storage engine's cause (the inner exception) goes to the log.
                    GrpcLog.ServiceFailure(logger, sluice, context.Method, sluice.ErrorCode);
                }

                return GrpcErrors.ToRpcException(sluice);
            case RpcException:
                return null;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return null;
            case IOException when context.CancellationToken.IsCancellationRequested:
                return null;
            default:
                return Unexpected(exception, context);
        }
    }

    private RpcException Unexpected(Exception exception, ServerCallContext context)
    {
        GrpcLog.CallFailed(logger, exception, context.Method);
        return GrpcErrors.ToRpcException(new SluiceException(ErrorCodes.Internal,
            "an unexpected error occurred; the request may or may not have taken effect (see the server log)"));
    }
}
