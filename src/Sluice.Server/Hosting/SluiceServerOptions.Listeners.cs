namespace Sluice.Server.Hosting;

/// <summary>The listeners' TLS and limits.</summary>
public sealed partial record SluiceServerOptions
{
    /// <summary>
    /// The server certificate (section <c>Sluice:Tls</c>, flags <c>--tls-cert</c> and <c>--tls-key</c>; docs/tls.md), served
    /// by every listener whose URL asks for TLS (<c>https://</c>, <c>rediss://</c>). Default none: every listener is cleartext.
    /// </summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>Connection and request-header limits of every listener (section <c>Sluice:Limits</c>; docs/limits.md). Default <see cref="LimitsOptions"/> defaults.</summary>
    public LimitsOptions Limits { get; init; } = new();

    /// <summary>Whether <see cref="HttpUrl"/> asks for TLS (<c>https://</c>).</summary>
    internal bool HttpTls => HttpUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the gRPC face is enabled and its URL asks for TLS (<c>https://</c>).</summary>
    internal bool GrpcTls => Grpc is { Enabled: true } && GrpcUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the RESP face is enabled and its URL asks for TLS (<c>rediss://</c> or <c>tls://</c>).</summary>
    internal bool RespTls => Resp is { Enabled: true } && Sluice.Faces.Resp.RespEndpoint.IsTls(Resp.Url);

    /// <summary>Checks <see cref="Tls"/> against the URLs, and <see cref="Limits"/>.</summary>
    private void ValidateListeners()
    {
        if (Tls is null)
        {
            throw Invalid(nameof(Tls), "is missing: remove the setting to serve without TLS");
        }

        if (Limits is null)
        {
            throw Invalid(nameof(Limits), "is missing: remove the setting to use the defaults");
        }

        try
        {
            Limits.Validate();
        }
        catch (ArgumentException ex)
        {
            var key = $"{SectionName}:{nameof(Limits)}:{ex.ParamName}";
            var rule = ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            throw new ArgumentException($"setting {key} {rule}", key, ex);
        }

        if (!string.IsNullOrWhiteSpace(Tls.KeyPath) && string.IsNullOrWhiteSpace(Tls.CertificatePath))
        {
            throw Invalid("Tls:KeyPath", "is set without Sluice:Tls:CertificatePath: give the certificate file too (flag --tls-cert)");
        }

        var sources = (string.IsNullOrWhiteSpace(Tls.CertificatePath) ? 0 : 1) + (string.IsNullOrWhiteSpace(Tls.StoreThumbprint) ? 0 : 1) +
            (string.IsNullOrWhiteSpace(Tls.StoreSubject) ? 0 : 1);
        if (sources > 1)
        {
            throw Invalid("Tls:CertificatePath", "is one of several certificate sources: give either a file (flag --tls-cert), Sluice:Tls:StoreThumbprint or Sluice:Tls:StoreSubject");
        }

        if (Tls.IsConfigured)
        {
            return;
        }

        const string fix = "asks for TLS, but no certificate is configured: give one (flags --tls-cert and --tls-key, or section Sluice:Tls; docs/tls.md)";
        if (HttpTls)
        {
            throw Invalid(nameof(HttpUrl), $"'{HttpUrl}' {fix}, or use http://");
        }

        if (GrpcTls)
        {
            throw Invalid("Grpc:Url", $"'{GrpcUrl}' {fix}, or use http://");
        }

        if (RespTls)
        {
            throw Invalid("Resp:Url", $"'{Resp.Url}' {fix}, or use tcp://");
        }
    }
}
