using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Sluice.Faces.Dashboard;

/// <summary>
/// Serves Sluice's web dashboard (docs/dashboard.md) at <c>/ui</c>: a static bundle (HTML, CSS, ES modules and the
/// vendored uPlot chart library) embedded in this assembly, so it works offline and needs no files beside the server.
/// The pages call the REST API (<c>/v1/...</c>) from the browser with the API key the user signs in with
/// (<c>Authorization: Bearer</c>); the files themselves carry no data and are served to anyone.
/// </summary>
public static class SluiceDashboardExtensions
{
    /// <summary>The path the dashboard is served under: <c>/ui</c> (<c>/ui/</c> is its start page).</summary>
    public const string BasePath = "/ui";

    // Scripts and styles from this origin only (no inline script, nothing from another host), API calls to this origin
    // only, and no framing (clickjacking). uPlot sets element styles through the CSSOM, which style-src does not govern.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly Lazy<IFileProvider> Files = new(() =>
        new ManifestEmbeddedFileProvider(typeof(SluiceDashboardExtensions).Assembly, "wwwroot"));

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Whether a request path belongs to the dashboard: <c>/ui</c> and below.</summary>
    /// <param name="path">The request path.</param>
    public static bool OwnsPath(PathString path) => path.StartsWithSegments(BasePath, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Maps <c>GET</c> and <c>HEAD</c> of <c>/ui</c> (a redirect to <c>/ui/</c>) and <c>/ui/{file}</c> (the embedded
    /// files; <c>/ui/</c> is <c>index.html</c>; an unknown file is 404). The files are served without authentication
    /// (they hold no data), with <c>Cache-Control: no-cache</c> (revalidated through <c>Last-Modified</c>), a content
    /// security policy that allows scripts, styles and requests to this origin only, and <c>X-Content-Type-Options: nosniff</c>.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <returns>The <c>/ui</c> route group, for further conventions.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is <see langword="null"/>.</exception>
    public static RouteGroupBuilder MapSluiceDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var ui = endpoints.MapGroup(BasePath).AllowAnonymous().ExcludeFromDescription();
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        // Routing matches "/ui" and "/ui/" alike: the first is sent to the second, so the pages' relative addresses resolve under /ui/.
        ui.MapMethods("", methods, (HttpContext context) => context.Request.Path.Value?.EndsWith('/') == true
            ? Serve(context, null)
            : Results.Redirect(context.Request.PathBase + BasePath + "/"));
        ui.MapMethods("/{**file}", methods, (HttpContext context, string? file) => Serve(context, file));
        return ui;
    }

    private static IResult Serve(HttpContext context, string? file)
    {
        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        var info = name.Contains("..", StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) ? null : Files.Value.GetFileInfo(name);
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (info is not { Exists: true, IsDirectory: false })
        {
            return Results.Text($"no dashboard file {BasePath}/{name}: the dashboard starts at {BasePath}/", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        if (!ContentTypes.TryGetContentType(name, out var contentType))
        {
            contentType = "application/octet-stream";
        }

        if (name.EndsWith(".js", StringComparison.OrdinalIgnoreCase))
        {
            contentType = "text/javascript";
        }

        if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "image/svg+xml" or "application/json")
        {
            contentType += "; charset=utf-8";
        }

        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        return Results.Stream(info.CreateReadStream(), contentType, lastModified: info.LastModified);
    }
}
