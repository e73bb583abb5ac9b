using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sluice.Faces.Rest;

/// <summary>
/// Gives the <c>/v1/streams/**</c> routes their path segments exactly as the client escaped them. Stream, group and
/// consumer names may hold any character but control characters (they are Redis keys), <c>/</c>, <c>%</c>, <c>.</c> and
/// <c>..</c> included, and the server's own path decoding cannot carry them: it leaves <c>%2F</c> escaped (so
/// <c>a%2Fb</c> and <c>a%252Fb</c> would name the same stream) and removes <c>.</c> and <c>..</c> segments after
/// decoding <c>%2E</c>. So, before routing, a <c>/v1/streams</c> request whose target holds an escape gets its path
/// rebuilt from the raw request target: each segment decoded once (RFC 3986 section 2.1) and escaped again, so a
/// <c>/</c> inside a name stays inside its segment; the routes' filter then decodes each route value once.
/// </summary>
internal static class StreamPathSegments
{
    private static readonly object s_restored = new();

    /// <summary>The middleware: rebuilds the path of a <c>/v1/streams</c> request from its raw target (see the type).</summary>
    public static Task RestoreAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget is { } target && Rebuild(target) is { } path)
        {
            context.Request.Path = new PathString(path);
            context.Items[s_restored] = true;
        }

        return next(context);
    }

    /// <summary>The routes' filter: decodes each string argument (a route value) once when the path was rebuilt.</summary>
    public static ValueTask<object?> DecodeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Items.ContainsKey(s_restored))
        {
            // Every string argument of a stream route is a route value (the handlers take the HttpContext and them).
            for (var i = 0; i < context.Arguments.Count; i++)
            {
                if (context.Arguments[i] is string value)
                {
                    context.Arguments[i] = Uri.UnescapeDataString(value);
                }
            }
        }

        return next(context);
    }

    /// <summary>
    /// The path to route for a raw request target: <see langword="null"/> (keep the server's) unless the target is in
    /// origin form, holds an escape and is under <c>/v1/streams/</c>. Literal <c>.</c> and <c>..</c> segments are
    /// removed first (RFC 3986 section 5.2.4); escaped ones are names.
    /// </summary>
    internal static string? Rebuild(string target)
    {
        var end = target.IndexOfAny(['?', '#']);
        var raw = end < 0 ? target : target[..end];
        if (!raw.StartsWith('/') || !raw.Contains('%'))
        {
            return null;
        }

        var segments = new List<string>();
        foreach (var segment in raw[1..].Split('/'))
        {
            switch (segment)
            {
                case ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(Uri.UnescapeDataString(segment));
                    break;
            }
        }

        if (segments.Count < 3 || !segments[0].Equals("v1", StringComparison.OrdinalIgnoreCase) ||
            !segments[1].Equals("streams", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return "/" + string.Join('/', segments.Select(Uri.EscapeDataString));
    }
}

/// <summary>Runs <see cref="StreamPathSegments.RestoreAsync"/> ahead of routing (registered by <c>AddSluiceRestApi</c>).</summary>
internal sealed class StreamPathStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(StreamPathSegments.RestoreAsync);
        next(app);
    };
}
