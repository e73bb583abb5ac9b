namespace Sluice.Faces.Sqs;

/// <summary>
/// Options of the SQS-compatible face (section <c>Sluice:Sqs</c>). The face answers the AWS JSON 1.0 and Query
/// protocols on the server's HTTP port, on any path.
/// </summary>
public sealed record SqsOptions
{
    /// <summary>Whether the SQS face is served. Default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The 12-digit account id in queue URLs and ARNs. Default <c>000000000000</c>.</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>
    /// The region in ARNs when a request is not signed (a signed request's credential scope names its own region).
    /// Default <c>us-east-1</c>.
    /// </summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// The base URL queue URLs are built on, such as <c>https://sqs.example.com</c>. Default <see langword="null"/>:
    /// URLs are built from the request's scheme and <c>Host</c> header, so clients reach the server the way they called it.
    /// </summary>
    public string? PublicUrl { get; init; }

    /// <summary>
    /// Access key id to secret access key. Default empty: any credentials are accepted, as local emulators do. Used
    /// when <see cref="VerifySignatures"/> is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> Credentials { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether every request must carry a valid AWS Signature Version 4 by a key in <see cref="Credentials"/>; unknown
    /// keys are refused with <c>InvalidClientTokenId</c>, bad signatures with <c>SignatureDoesNotMatch</c> (HTTP 403).
    /// Default <see langword="false"/>.
    /// </summary>
    public bool VerifySignatures { get; init; }

    /// <summary>Value equality, comparing <see cref="Credentials"/> by content.</summary>
    public bool Equals(SqsOptions? other) =>
        other is not null && Enabled == other.Enabled && AccountId == other.AccountId && Region == other.Region &&
        PublicUrl == other.PublicUrl && VerifySignatures == other.VerifySignatures &&
        (ReferenceEquals(Credentials, other.Credentials) ||
         (Credentials is not null && other.Credentials is not null && Credentials.Count == other.Credentials.Count &&
          Credentials.All(kv => other.Credentials.TryGetValue(kv.Key, out var v) && v == kv.Value)));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Enabled, AccountId, Region, PublicUrl, VerifySignatures, Credentials?.Count);

    /// <summary>Checks the settings; the message names the setting under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The configuration path of this section, such as <c>Sluice:Sqs</c>.</param>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate(string prefix)
    {
        if (AccountId is null || AccountId.Length != 12 || !AccountId.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"setting {prefix}:AccountId '{AccountId}' is invalid: use 12 digits, such as 000000000000", $"{prefix}:AccountId");
        }

        if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException($"setting {prefix}:Region '{Region}' is invalid: use a region name such as us-east-1", $"{prefix}:Region");
        }

        if (PublicUrl is not null && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"setting {prefix}:PublicUrl '{PublicUrl}' is invalid: use an absolute http:// or https:// URL, or remove it to build URLs from each request's Host", $"{prefix}:PublicUrl");
        }

        if (VerifySignatures && (Credentials is null || Credentials.Count == 0))
        {
            throw new ArgumentException($"setting {prefix}:VerifySignatures is on but {prefix}:Credentials is empty: add access key id to secret entries, or turn verification off", $"{prefix}:VerifySignatures");
        }
    }
}
