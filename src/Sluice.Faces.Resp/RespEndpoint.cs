using System.Globalization;
using System.Net;

namespace Sluice.Faces.Resp;

/// <summary>Parses <see cref="RespOptions.Url"/> into the address Kestrel listens on.</summary>
public static class RespEndpoint
{
    /// <summary>
    /// Whether <paramref name="url"/> asks for TLS: it starts with <c>rediss://</c> (the Redis clients' convention) or
    /// <c>tls://</c>.
    /// </summary>
    public static bool IsTls(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.Trim();
        return text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("tls://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Parses <c>tcp://host:port</c>, <c>redis://host:port</c>, <c>rediss://host:port</c> or <c>tls://host:port</c> (the
    /// last two with TLS, see <see cref="IsTls"/>) or <c>host:port</c>; the host is an IP address,
    /// <c>localhost</c> (loopback) or <c>*</c> / <c>0.0.0.0</c> (every interface). Throws <see cref="ArgumentException"/>
    /// with the accepted forms when the text is none of them.
    /// </summary>
    public static IPEndPoint Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.Trim();
        foreach (var scheme in (ReadOnlySpan<string>)["tcp://", "redis://", "rediss://", "tls://"])
        {
            if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                text = text[scheme.Length..];
                break;
            }
        }
        text = text.TrimEnd('/');
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw Invalid(url);
        var host = text[..colon].Trim('[', ']');
        IPAddress address;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            address = IPAddress.Loopback;
        else if (host is "*" or "+")
            address = IPAddress.Any;
        else if (!IPAddress.TryParse(host, out address!))
            throw Invalid(url);
        return new IPEndPoint(address, port);
    }

    private static ArgumentException Invalid(string url) =>
        new($"RESP url '{url}' is invalid: use tcp://host:port, or rediss://host:port with TLS (host an IP address, localhost or *; port 0-65535, 0 picks a free one).", nameof(url));
}
