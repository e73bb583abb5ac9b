using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Listeners;

/// <summary>Self-signed server certificates made in the test (nothing committed), written as PEM or PKCS#12 files.</summary>
internal static class TestCertificates
{
    /// <summary>A server certificate for 127.0.0.1 and localhost, with its key, valid for a day.</summary>
    public static X509Certificate2 Create(string commonName = "sluice-test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Writes <paramref name="certificate"/> as a PEM certificate file and a PEM (PKCS#8) key file.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        // Replace, not rewrite in place: a reader never sees half a file (as a renewal tool does it).
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem());
        WriteAtomically(certificatePath, certificate.ExportCertificatePem());
    }

    /// <summary>Writes <paramref name="certificate"/> with its key as a PKCS#12 file protected by <paramref name="password"/>.</summary>
    public static void WritePfx(X509Certificate2 certificate, string path, string password) =>
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A fresh directory for a test's files.</summary>
    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// The options these tests start servers with: memory store, free ports, and authentication off (these tests are
    /// not about it; one line to change when the auth default moves).
    /// </summary>
    public static SluiceServerOptions ServerOptions() => new()
    {
        Store = SluiceServerOptions.MemoryStore,
        HttpUrl = "http://127.0.0.1:0",
        Grpc = new Sluice.Faces.Grpc.GrpcOptions { Url = "http://127.0.0.1:0" },
        Auth = new AuthOptions { Enabled = false },
    };
}
