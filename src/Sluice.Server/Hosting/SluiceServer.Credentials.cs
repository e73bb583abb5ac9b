using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Security;

namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
    /// <summary>
    /// Adds or replaces services of the server's container after Sluice registered its own, before the server is built,
    /// such as an <see cref="ICredentialStore"/> of the embedding application (the last registration of a service is
    /// the one used). Default <see langword="null"/>: nothing is changed.
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>
    /// The credential store every face authenticates with (docs/security.md), or <see langword="null"/> when none is
    /// registered: the faces then serve without authentication (the SQS face still verifies signatures when
    /// <c>Sluice:Sqs:VerifySignatures</c> is on).
    /// </summary>
    private static ICredentialStore? FaceCredentials(WebApplication app) => app.Services.GetService<ICredentialStore>();
}
