using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Sqs;

/// <summary>Adds the SQS-compatible face to an ASP.NET Core pipeline.</summary>
public static class SluiceSqsExtensions
{
    /// <summary>
    /// Serves the SQS API (AWS JSON 1.0 and Query protocols): a request is claimed on any path when its
    /// <c>X-Amz-Target</c> header starts with <c>AmazonSQS</c> or its body is <c>application/x-amz-json-1.0</c>, and,
    /// outside the paths other faces own (<paramref name="otherFacePaths"/>; the server passes the REST face's
    /// <c>/v1/...</c>, <c>/openapi/...</c>, <c>/healthz</c>), when it is a form POST or a GET carrying an <c>Action</c>
    /// field. Every other request goes on to the next middleware (the REST API). Does nothing when
    /// <see cref="SqsOptions.Enabled"/> is off.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <param name="broker">The started broker.</param>
    /// <param name="options">The face's options.</param>
    /// <param name="timeProvider">The clock for timestamps; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="otherFacePaths">
    /// Paths that belong to another face on the same listener: there only a request with the explicit SQS JSON markers
    /// is claimed. Default <see langword="null"/> (the SQS face is alone).
    /// </param>
    /// <param name="credentials">
    /// Who may call (docs/sqs.md, "Authentication"): when it requires authentication (<see cref="Sluice.Security.ICredentialStore.Required"/>),
    /// or <see cref="SqsOptions.VerifySignatures"/> is on, every request must be signed (SigV4) with a configured pair
    /// (<see cref="SqsOptions.Credentials"/>) or a SigV4 key the store knows, and is served as that key's principal.
    /// Default <see langword="null"/>: only <see cref="SqsOptions.VerifySignatures"/> decides.
    /// </param>
    /// <returns><paramref name="app"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IApplicationBuilder UseSluiceSqs(this IApplicationBuilder app, Broker broker, SqsOptions options, TimeProvider? timeProvider = null,
        Func<PathString, bool>? otherFacePaths = null, Sluice.Security.ICredentialStore? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return app;
        }

        var services = app.ApplicationServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Faces.Sqs");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var face = new SqsFace(broker, options, timeProvider ?? TimeProvider.System, logger, stopping, credentials);
        return app.Use(next => async context =>
        {
            if (!await face.TryHandleAsync(context, otherFacePaths?.Invoke(context.Request.Path) == true).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
            }
        });
    }
}
