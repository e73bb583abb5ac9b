using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Sluice.Faces.Sqs;

/// <summary>AWS Signature Version 4 (header form): parses the credential scope and verifies the signature.</summary>
internal static class SqsSignature
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string IsoFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The parts of an <c>Authorization: AWS4-HMAC-SHA256 …</c> header.</summary>
    public sealed record Parsed(string AccessKey, string Date, string Region, string Service, string[] SignedHeaders, string Signature)
    {
        public string Scope => $"{Date}/{Region}/{Service}/aws4_request";
    }

    /// <summary>Parses the Authorization header; <see langword="null"/> when absent or not SigV4.</summary>
    public static Parsed? Parse(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return null;
        }

        string? credential = null, signed = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signed = value; break;
                case "Signature": signature = value; break;
                default: break;
            }
        }

        var scope = credential?.Split('/');
        if (scope is not { Length: 5 } || signed is null || signature is null)
        {
            return null;
        }

        return new Parsed(scope[0], scope[1], scope[2], scope[3], signed.Split(';'), signature);
    }

    /// <summary>
    /// The first header that must be signed but <paramref name="auth"/>'s <c>SignedHeaders</c> leaves out, or
    /// <see langword="null"/> when every one is signed: <c>host</c> always, every <c>x-amz-*</c> header the request
    /// carries (<c>x-amz-target</c> names a JSON request's action), and <c>content-type</c> when present, except a form
    /// body's (<c>application/x-www-form-urlencoded</c>: a Query request, whose action and parameters are all in the signed
    /// body; kombu's asynchronous SQS client, used by Celery, leaves it out, and AWS accepts that). Names in lower case.
    /// </summary>
    public static string? UnsignedHeader(HttpRequest request, Parsed auth)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(auth);
        var signed = new HashSet<string>(auth.SignedHeaders, StringComparer.OrdinalIgnoreCase);
        if (!signed.Contains("host"))
        {
            return "host";
        }

        foreach (var (name, _) in request.Headers)
        {
            var mustSign = name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) ||
                (name.Equals("content-type", StringComparison.OrdinalIgnoreCase) &&
                 request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true);
            if (mustSign && !signed.Contains(name))
            {
                return name.ToLowerInvariant();
            }
        }

        return null;
    }

    /// <summary>How far a request's X-Amz-Date may be from the server's clock (as AWS: 15 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Checks the request's signature against <paramref name="secret"/>; returns <see langword="null"/> when it is valid,
    /// else the reason (the client's message). The payload hash in the canonical request is always computed from the
    /// body received (an <c>X-Amz-Content-Sha256</c> header must agree with it), the request time must be within
    /// <see cref="MaxClockSkew"/> of <paramref name="now"/>, and the credential scope's date must be the request's date.
    /// </summary>
    public static string? Verify(HttpRequest request, ReadOnlySpan<byte> body, Parsed auth, string secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(auth);
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        DateTimeOffset signedAt;
        if (amzDate.Length > 0)
        {
            if (!DateTimeOffset.TryParseExact(amzDate, IsoFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out signedAt))
            {
                return $"Invalid X-Amz-Date '{Validation.Quote(amzDate)}': use the ISO 8601 basic format yyyyMMddTHHmmssZ.";
            }
        }
        else
        {
            amzDate = request.Headers.Date.ToString();
            if (!DateTimeOffset.TryParseExact(amzDate, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out signedAt))
            {
                return "The request must carry a valid X-Amz-Date (or Date) header.";
            }
        }

        if (signedAt < now - MaxClockSkew)
        {
            return $"Signature expired: {signedAt.ToString(IsoFormat, CultureInfo.InvariantCulture)} is now earlier than " +
                   $"{(now - MaxClockSkew).ToString(IsoFormat, CultureInfo.InvariantCulture)} ({now.ToString(IsoFormat, CultureInfo.InvariantCulture)} - 15 min.)";
        }

        if (signedAt > now + MaxClockSkew)
        {
            return $"Signature not yet current: {signedAt.ToString(IsoFormat, CultureInfo.InvariantCulture)} is still later than " +
                   $"{(now + MaxClockSkew).ToString(IsoFormat, CultureInfo.InvariantCulture)} ({now.ToString(IsoFormat, CultureInfo.InvariantCulture)} + 15 min.)";
        }

        if (auth.Date != signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture))
        {
            return $"Credential should be scoped to a valid date: the credential scope date {Validation.Quote(auth.Date)} is not the request date {signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.";
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var claimedHash = request.Headers["X-Amz-Content-Sha256"].ToString();
        if (claimedHash.Length > 0 && !string.Equals(claimedHash, bodyHash, StringComparison.OrdinalIgnoreCase))
        {
            return "The provided 'x-amz-content-sha256' header does not match what was computed.";
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(CanonicalPath(request.Path.Value)).Append('\n');
        canonical.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var header in auth.SignedHeaders)
        {
            var value = header == "host" ? request.Host.Value ?? "" : string.Join(',', request.Headers[header].Select(v => v ?? ""));
            canonical.Append(header).Append(':').Append(CollapseSpaces(value.Trim())).Append('\n');
        }

        canonical.Append('\n').Append(string.Join(';', auth.SignedHeaders)).Append('\n');
        canonical.Append(bodyHash);
        var stringToSign = $"{Algorithm}\n{amzDate}\n{auth.Scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(auth.Date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(auth.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(auth.Service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature.ToLowerInvariant()))
            ? null
            : "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    }

    private static string CanonicalPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        // Non-S3 services encode each segment twice; for unreserved characters both passes are no-ops.
        return string.Join('/', path.Split('/').Select(s => Encode(Encode(s))));
    }

    private static string CanonicalQuery(IQueryCollection query) =>
        string.Join('&', query
            .SelectMany(kv => kv.Value.Select(v => (Key: Encode(kv.Key), Value: Encode(v ?? ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

    private static string Encode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value)
        {
            if (c == ' ')
            {
                if (!space)
                {
                    sb.Append(c);
                }

                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }

        return sb.ToString();
    }
}
