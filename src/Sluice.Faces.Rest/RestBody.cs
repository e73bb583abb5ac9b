using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Sluice.Faces.Http;

namespace Sluice.Faces.Rest;

/// <summary>Reads JSON request bodies with source-generated metadata, turning every failure into a <see cref="SluiceException"/>.</summary>
internal static class RestBody
{
    /// <summary>Reads the body as <typeparamref name="T"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="typeInfo">Source-generated metadata of the body type.</param>
    /// <param name="optional">Whether an absent (empty) body means "all defaults" (returns <see langword="null"/>).</param>
    /// <exception cref="SluiceException">malformed_request (not JSON, wrong shape, wrong content type, empty), unsupported_media_type (a charset other than UTF-8), request_too_large or request_timeout.</exception>
    public static async ValueTask<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, bool optional)
        where T : class
    {
        var request = context.Request;
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (!canHaveBody)
        {
            return optional
                ? null
                : throw new SluiceException(ErrorCodes.MalformedRequest,
                    "the request body is empty: send a JSON object with Content-Type: application/json (see docs/rest-api.md)");
        }

        if (!request.HasJsonContentType())
        {
            throw new SluiceException(ErrorCodes.MalformedRequest, string.IsNullOrEmpty(request.ContentType)
                ? "the request has a body but no Content-Type: send the body as JSON with Content-Type: application/json"
                : $"Content-Type '{Validation.Quote(request.ContentType)}' is not JSON: send the body as application/json", "Content-Type");
        }

        // JSON is UTF-8 (RFC 8259); the body is read as UTF-8 whatever the header says, so another charset is refused.
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.Charset is { Length: > 0 } charset &&
            !string.Equals(charset.ToString().Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new SluiceException(RestErrors.UnsupportedMediaType,
                $"Content-Type '{Validation.Quote(request.ContentType!)}' names charset '{Validation.Quote(charset.ToString())}': a JSON body is UTF-8; " +
                "send Content-Type: application/json (or application/json; charset=utf-8)", "Content-Type");
        }

        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (BadHttpRequestException ex)
        {
            throw HttpBodyErrors.From(context, ex);
        }

        return value ?? throw new SluiceException(ErrorCodes.MalformedRequest, "the request body is JSON null: send a JSON object");
    }

    private static SluiceException Malformed(JsonException ex)
    {
        var path = RestJsonError.PathOf(ex);
        var field = string.IsNullOrEmpty(path) || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        var where = ex.LineNumber is { } line
            ? $" at '{path ?? "$"}' (line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})"
            : "";
        var reason = ex.InnerException is null && ex.Message.StartsWith(RestJsonError.Prefix, StringComparison.Ordinal)
            ? ex.Message[RestJsonError.Prefix.Length..].Split(" Path:", 2)[0]
            : Refusal(ex) ?? "the JSON is malformed, a value has the wrong type, or the property is not one this route accepts";
        return new SluiceException(ErrorCodes.MalformedRequest,
            $"the request body is not valid{where}: {reason}; see docs/rest-api.md for the body of this route", field, false, ex);
    }

    /// <summary>
    /// The rule a body broke when System.Text.Json refused it for a property rather than a value: a property given twice
    /// (AllowDuplicateProperties off) or one the route does not accept (JsonUnmappedMemberHandling.Disallow). The library
    /// raises both without an inner exception, at the property's path, in fixed words (it has no error codes).
    /// </summary>
    private static string? Refusal(JsonException ex)
    {
        if (ex.InnerException is not null || ex.Path is not { } path || path.EndsWith(']'))
        {
            return null;
        }

        var name = path[(path.LastIndexOf('.') + 1)..];
        return ex.Message.StartsWith($"Duplicate property '{name}'", StringComparison.Ordinal)
            ? $"property '{name}' appears twice: give each property once"
            : ex.Message.StartsWith($"The JSON property '{name}' could not be mapped", StringComparison.Ordinal)
                ? $"property '{name}' is not one this route accepts"
                : null;
    }
}
