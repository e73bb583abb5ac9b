using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Sluice.Server.Hosting;

namespace Sluice.Server.Internal;

/// <summary>
/// The server certificate of <see cref="TlsOptions"/>, loaded at start (a bad setting is one
/// <see cref="ArgumentException"/> naming it and its flag) and served by <see cref="Current"/> at every TLS handshake.
/// Files are checked (their size and time of last write) at each call: when they changed and load, the new certificate
/// is served from then on; when they do not load (a half-written renewal), the previous one stays and a warning says why,
/// once per change. A store certificate is looked up again at most once a minute.
/// </summary>
internal sealed class CertificateSource
{
    /// <summary>How often a store certificate is looked up again: 1 minute.</summary>
    public static readonly TimeSpan StoreRefresh = TimeSpan.FromMinutes(1);

    private readonly TlsOptions _options;
    private readonly TimeProvider _time;
    private ILogger _logger;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private (DateTime Written, long Length, DateTime KeyWritten, long KeyLength) _stamp;
    private (DateTime Written, long Length, DateTime KeyWritten, long KeyLength) _failedStamp;
    private long _nextStoreLookup;

    private CertificateSource(TlsOptions options, TimeProvider time, ILogger logger, X509Certificate2 first)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _current = first;
        _nextStoreLookup = time.GetTimestamp() + (long)(StoreRefresh.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Loads the certificate the options name.</summary>
    /// <exception cref="ArgumentException">A file is missing or unreadable, the password is wrong, the key does not match, the store has no such certificate (the message names the setting and its flag).</exception>
    public static CertificateSource Load(TlsOptions options, TimeProvider time, ILogger logger)
    {
        var stamp = Stamp(options);
        var source = new CertificateSource(options, time, logger, LoadOnce(options));
        source._stamp = stamp;
        return source;
    }

    /// <summary>Where reloads are logged; settable because the server's logger exists only once its host is built.</summary>
    public ILogger Logger
    {
        get => Volatile.Read(ref _logger);
        set => Volatile.Write(ref _logger, value);
    }

    /// <summary>The certificate to serve now (see the class summary); never throws.</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(_options.CertificatePath))
            {
                RefreshFile();
            }
            else if (_time.GetTimestamp() >= Interlocked.Read(ref _nextStoreLookup))
            {
                RefreshStore();
            }

            return Volatile.Read(ref _current);
        }
    }

    private void RefreshFile()
    {
        (DateTime, long, DateTime, long) stamp;
        try
        {
            stamp = Stamp(_options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (stamp == _stamp || stamp == _failedStamp)
        {
            return;
        }

        lock (_gate)
        {
            if (stamp == _stamp || stamp == _failedStamp)
            {
                return;
            }

            try
            {
                var next = LoadOnce(_options);
                Volatile.Write(ref _current, next);
                _stamp = stamp;
#pragma warning disable CA1873 // once per certificate change: not worth a guard
                ListenerLog.CertificateReloaded(Logger, next.Subject, next.Thumbprint, next.NotAfter.ToUniversalTime());
#pragma warning restore CA1873
            }
            catch (ArgumentException ex)
            {
                _failedStamp = stamp;
                ListenerLog.CertificateReloadFailed(Logger, ex.Message);
            }
        }
    }

    private void RefreshStore()
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _nextStoreLookup, _time.GetTimestamp() + (long)(StoreRefresh.TotalSeconds * _time.TimestampFrequency));
            try
            {
                var next = LoadOnce(_options);
                if (next.Thumbprint != _current.Thumbprint)
                {
                    Volatile.Write(ref _current, next);
#pragma warning disable CA1873 // once per certificate change: not worth a guard
                    ListenerLog.CertificateReloaded(Logger, next.Subject, next.Thumbprint, next.NotAfter.ToUniversalTime());
#pragma warning restore CA1873
                }
            }
            catch (ArgumentException ex)
            {
                ListenerLog.CertificateReloadFailed(Logger, ex.Message);
            }
        }
    }

    /// <summary>The files' sizes and times of last write, to tell a change.</summary>
    private static (DateTime, long, DateTime, long) Stamp(TlsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return default;
        }

        var cert = new FileInfo(options.CertificatePath);
        var key = string.IsNullOrWhiteSpace(options.KeyPath) ? null : new FileInfo(options.KeyPath);
        return (cert.Exists ? cert.LastWriteTimeUtc : default, cert.Exists ? cert.Length : -1,
            key is { Exists: true } ? key.LastWriteTimeUtc : default, key is { Exists: true } ? key.Length : -1);
    }

    /// <summary>Loads the certificate once, with its private key.</summary>
    /// <exception cref="ArgumentException">The message names the setting at fault and its flag.</exception>
    internal static X509Certificate2 LoadOnce(TlsOptions options)
    {
        X509Certificate2 certificate;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            certificate = LoadFile(options);
        }
        else if (!string.IsNullOrWhiteSpace(options.StoreThumbprint) || !string.IsNullOrWhiteSpace(options.StoreSubject))
        {
            certificate = LoadFromStore(options);
        }
        else
        {
            throw Invalid("CertificatePath", "is not set: give a certificate file (flag --tls-cert) or a store certificate (Sluice:Tls:StoreThumbprint or Sluice:Tls:StoreSubject)");
        }

        if (!certificate.HasPrivateKey)
        {
            throw Invalid(string.IsNullOrWhiteSpace(options.CertificatePath) ? "StoreThumbprint" : "KeyPath",
                "names a certificate without its private key: give the key (flag --tls-key), or a PFX that holds it");
        }

        return certificate;
    }

    private static X509Certificate2 LoadFile(TlsOptions options)
    {
        var path = options.CertificatePath!;
        if (!File.Exists(path))
        {
            throw Invalid("CertificatePath", $"'{path}': the file does not exist (flag --tls-cert)");
        }

        var pkcs12 = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
        if (pkcs12)
        {
            if (!string.IsNullOrWhiteSpace(options.KeyPath))
            {
                throw Invalid("KeyPath", $"is set, but '{path}' is a PKCS#12 file, which holds its key: remove the key (flag --tls-key)");
            }

            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, options.Password, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException ex)
            {
                throw Invalid("Password", $"cannot open the PKCS#12 file '{path}' (Sluice:Tls:CertificatePath, flag --tls-cert): {ex.Message.TrimEnd('.')}; check the password (environment variable SLUICE__TLS__PASSWORD)");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Invalid("CertificatePath", $"'{path}' cannot be read ({ex.Message}) (flag --tls-cert)");
            }
        }

        var keyPath = string.IsNullOrWhiteSpace(options.KeyPath) ? null : options.KeyPath;
        if (keyPath is not null && !File.Exists(keyPath))
        {
            throw Invalid("KeyPath", $"'{keyPath}': the file does not exist (flag --tls-key)");
        }

        X509Certificate2 pem;
        try
        {
            pem = string.IsNullOrEmpty(options.Password)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, options.Password, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // A key of another certificate is an ArgumentException ("the provided key does not match"), a malformed one a CryptographicException.
            var setting = keyPath is null ? "CertificatePath" : "KeyPath";
            var flag = keyPath is null ? "--tls-cert" : "--tls-key";
            throw Invalid(setting, $"'{keyPath ?? path}': cannot load the certificate '{path}' with its key: {ex.Message.TrimEnd('.')} (flag {flag}); give the certificate's own PEM key (or the right Sluice:Tls:Password for an encrypted one)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid("CertificatePath", $"'{path}' cannot be read ({ex.Message}) (flag --tls-cert)");
        }

        // A PEM key loads as an ephemeral key; a PKCS#12 round trip gives a certificate every platform's TLS stack can use.
        using (pem)
        {
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.EphemeralKeySet);
        }
    }

    private static X509Certificate2 LoadFromStore(TlsOptions options)
    {
        var setting = string.IsNullOrWhiteSpace(options.StoreThumbprint) ? "StoreSubject" : "StoreThumbprint";
        try
        {
            using var store = new X509Store(options.StoreName, options.StoreLocation);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var found = string.IsNullOrWhiteSpace(options.StoreThumbprint)
                ? store.Certificates.Find(X509FindType.FindBySubjectName, options.StoreSubject!, validOnly: false)
                : store.Certificates.Find(X509FindType.FindByThumbprint, options.StoreThumbprint.Replace(" ", "", StringComparison.Ordinal), validOnly: false);
            var best = found.Where(c => c.HasPrivateKey).OrderByDescending(c => c.NotAfter).FirstOrDefault();
            foreach (var other in found)
            {
                if (!ReferenceEquals(other, best))
                {
                    other.Dispose();
                }
            }

            return best ?? throw Invalid(setting,
                $"'{(setting == "StoreSubject" ? options.StoreSubject : options.StoreThumbprint)}': no certificate with a private key in the store {options.StoreLocation}/{options.StoreName}");
        }
        catch (CryptographicException ex)
        {
            throw Invalid(setting, $"cannot open the store {options.StoreLocation}/{options.StoreName}: {ex.Message.TrimEnd('.')}");
        }
    }

    private static ArgumentException Invalid(string setting, string rule)
    {
        var key = $"{SluiceServerOptions.SectionName}:Tls:{setting}";
        return new ArgumentException($"setting {key} {rule}", key);
    }
}
