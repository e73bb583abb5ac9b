using System.Net.Sockets;
using Grpc.Core;
using Sluice.Grpc;

namespace Sluice.Client.Internal;

/// <summary>
/// Turns a failed gRPC call into the <see cref="SluiceException"/> the server meant (docs/grpc.md, "Errors"): the code,
/// field and transient flag from the trailers; a call that never reached Sluice (no connection, a proxy's error) gets a
/// code from its gRPC status, and <see cref="SluiceException.RequestSent"/> false when no connection could be made.
/// </summary>
internal static class RemoteErrors
{
    public static SluiceException ToSluiceException(RpcException error, Uri address)
    {
        var code = error.Trailers.GetValue(GrpcErrorTrailers.Code);
        if (!string.IsNullOrEmpty(code))
        {
            return new SluiceException(code, error.Status.Detail, NullIfEmpty(error.Trailers.GetValue(GrpcErrorTrailers.Field)),
                error.Trailers.GetValue(GrpcErrorTrailers.Transient) == "true", error);
        }

        var neverSent = NoConnection(error);
        var transport = TransportFailure(error);
        return error.StatusCode switch
        {
            _ when transport || error.StatusCode is StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Aborted => new SluiceException(ErrorCodes.Unavailable,
                $"the Sluice server at {address} could not be reached or dropped the call ({error.Status.Detail}); check that 'sluice serve' runs and that this is its gRPC address (--grpc-url), then retry",
                null, isTransient: true, error)
            {
                RequestSent = !neverSent,
            },
            StatusCode.DeadlineExceeded => new SluiceException(ErrorCodes.RequestTimeout,
                $"the call to {address} passed its deadline ({error.Status.Detail}); it may or may not have taken effect", null, isTransient: true, error),
            StatusCode.Unauthenticated => new SluiceException(ErrorCodes.Unauthenticated,
                $"the server at {address} refused the call's credentials ({error.Status.Detail}): set SluiceClientOptions.ApiKey (Sluice:Client:ApiKey) to a valid key", null, false, error),
            StatusCode.PermissionDenied => new SluiceException(ErrorCodes.AccessDenied,
                $"the server at {address} denied the call ({error.Status.Detail}): use a key with the permission it needs", null, false, error),
            StatusCode.ResourceExhausted => new SluiceException(ErrorCodes.RequestTooLarge,
                $"the request or its answer is larger than allowed ({error.Status.Detail}): send smaller batches, or raise Sluice:Grpc:MaxMessageSize on the server", null, false, error),
            StatusCode.Unimplemented => new SluiceException(ErrorCodes.NotSupported,
                $"the server at {address} does not offer this operation ({error.Status.Detail}): it may run an older Sluice", null, false, error),
            _ => new SluiceException(ErrorCodes.Internal,
                $"the call to {address} failed with gRPC status {error.StatusCode} ({error.Status.Detail}); it may or may not have taken effect", null, false, error),
        };
    }

    /// <summary>A failure to connect at all: the request never left this process.</summary>
    private static bool NoConnection(RpcException error)
    {
        for (var e = error.Status.DebugException; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable })
            {
                return true;
            }

            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The connection failed or dropped (whatever status the client library chose for it): not an answer of Sluice's.</summary>
    private static bool TransportFailure(RpcException error)
    {
        for (var e = error.Status.DebugException; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or HttpProtocolException or IOException or SocketException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a consume stream that failed this way is worth opening again (a transport failure, a transient error).</summary>
    public static bool Reconnectable(SluiceException error) => error.IsTransient;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
