namespace Sluice.Grpc;

/// <summary>
/// The trailers a failed Sluice gRPC call carries beside its status (docs/grpc.md, "Errors"): the stable error code,
/// the request field at fault and whether a retry may succeed. Lower-case ASCII keys, as gRPC metadata requires.
/// </summary>
public static class GrpcErrorTrailers
{
    /// <summary>The stable error code (one of <see cref="ErrorCodes"/>), e.g. <c>queue_not_found</c>.</summary>
    public const string Code = "sluice-error-code";

    /// <summary>The request field at fault, named as in the .proto files (<c>messages[2].delay_ms</c>); absent when none.</summary>
    public const string Field = "sluice-error-field";

    /// <summary><c>true</c> when the same request may succeed later, else <c>false</c>.</summary>
    public const string Transient = "sluice-error-transient";
}
