using System.Security.Cryptography.X509Certificates;

namespace Sluice.Server.Hosting;

/// <summary>
/// The server certificate (section <c>Sluice:Tls</c>; docs/tls.md), served by every listener whose URL asks for TLS:
/// <c>https://</c> for <see cref="SluiceServerOptions.HttpUrl"/> and the gRPC URL, <c>rediss://</c> (or <c>tls://</c>)
/// for the RESP URL. Give one source: a PEM pair (<see cref="CertificatePath"/> + <see cref="KeyPath"/>, flags
/// <c>--tls-cert</c>, <c>--tls-key</c>), a PKCS#12 file (<see cref="CertificatePath"/> ending in <c>.pfx</c> or
/// <c>.p12</c>, with <see cref="Password"/>), or the OS certificate store (<see cref="StoreThumbprint"/> or
/// <see cref="StoreSubject"/>). A file is checked at every TLS handshake: when it changed, new connections get the new
/// certificate without a restart (open ones keep theirs). A store certificate is looked up again at most once a minute.
/// </summary>
public sealed record TlsOptions
{
    /// <summary>
    /// The certificate file (flag <c>--tls-cert</c>): PEM (the certificate, optionally followed by its chain, and its
    /// key unless <see cref="KeyPath"/> is set), or PKCS#12 when the name ends in <c>.pfx</c> or <c>.p12</c>. Default none.
    /// </summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/> (flag <c>--tls-key</c>; PKCS#8, PKCS#1 or SEC1). Default none: the key is in the certificate file.</summary>
    public string? KeyPath { get; init; }

    /// <summary>
    /// The password of a PKCS#12 file, or of an encrypted PEM key (<c>ENCRYPTED PRIVATE KEY</c>). Default none. Prefer the
    /// environment variable <c>SLUICE__TLS__PASSWORD</c> to a settings file.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>The thumbprint (SHA-1, hex) of a certificate in the OS store <see cref="StoreName"/>/<see cref="StoreLocation"/>. Default none.</summary>
    public string? StoreThumbprint { get; init; }

    /// <summary>
    /// The subject name of a certificate in the OS store (matched as <see cref="X509FindType.FindBySubjectName"/>: a part
    /// of the subject such as <c>sluice.example.com</c>); when several match, the one with a private key that expires
    /// last. Default none.
    /// </summary>
    public string? StoreSubject { get; init; }

    /// <summary>The OS store's name: <c>My</c> (default), <c>Root</c>, ... (<see cref="System.Security.Cryptography.X509Certificates.StoreName"/>).</summary>
    public StoreName StoreName { get; init; } = StoreName.My;

    /// <summary>The OS store's location: <c>CurrentUser</c> (default) or <c>LocalMachine</c>.</summary>
    public StoreLocation StoreLocation { get; init; } = StoreLocation.CurrentUser;

    /// <summary>Whether a certificate source is configured (a file, a thumbprint or a subject).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(StoreThumbprint) || !string.IsNullOrWhiteSpace(StoreSubject);
}
