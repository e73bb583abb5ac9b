using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Sluice.Faces.Http;

/// <summary>
/// Turns Kestrel's failures to read a request body into Sluice errors, the same for every face (each renders the
/// error in its own shape): too large (413 request_too_large), too slow (408 request_timeout), anything else
/// (400 malformed_request). The messages name Sluice's settings, not Kestrel's internals.
/// </summary>
public static class HttpBodyErrors
{
    /// <summary>The error for a body read that Kestrel refused.</summary>
    public static SluiceException From(HttpContext context, BadHttpRequestException exception) => exception.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => TooLarge(context, exception),
        StatusCodes.Status408RequestTimeout => TooSlow(context, exception),
        _ => new SluiceException(ErrorCodes.MalformedRequest,
            $"the request body could not be read ({exception.Message.TrimEnd('.')}): send the whole body, matching its Content-Length",
            null, false, exception),
    };

    /// <summary>The error for a body larger than the server's limit.</summary>
    public static SluiceException TooLarge(HttpContext context, Exception? inner)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var rule = limit is { } l ? $"at most {l.ToString(CultureInfo.InvariantCulture)} bytes" : "a smaller body";
        return new SluiceException(ErrorCodes.RequestTooLarge,
            $"the request body is larger than the server accepts ({rule}, setting Sluice:MaxRequestBodySize): send smaller batches or raise the limit",
            null, false, inner);
    }

    private static SluiceException TooSlow(HttpContext context, Exception inner)
    {
        var rate = context.Features.Get<IHttpMinRequestBodyDataRateFeature>()?.MinDataRate;
        var rule = rate is null
            ? "the server needs the body to keep arriving"
            : $"the server needs at least {rate.BytesPerSecond.ToString(CultureInfo.InvariantCulture)} bytes per second after the first " +
              $"{rate.GracePeriod.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        return new SluiceException(ErrorCodes.RequestTimeout,
            $"the request body arrived too slowly ({rule}): nothing was done; send the body without pauses and retry",
            null, isTransient: true, inner);
    }
}
