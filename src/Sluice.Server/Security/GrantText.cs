using Sluice.Security;

namespace Sluice.Server.Security;

/// <summary>
/// The text form of a grant, as the CLI (<c>--grant</c>), the REST API and JWT claims write it:
/// <c>PATTERN:PERMISSIONS</c>, such as <c>orders-*:publish,consume</c>, <c>*:admin</c> or <c>*:all</c>. The pattern
/// ends at the last <c>:</c>; permissions are <c>publish</c>, <c>consume</c>, <c>admin</c> and <c>all</c>
/// (case-insensitive, comma-separated).
/// </summary>
public static class GrantText
{
    /// <summary>Parses one grant.</summary>
    /// <param name="text">The grant, such as <c>orders-*:publish,consume</c>.</param>
    /// <param name="field">The request field for the error, such as <c>grants[0]</c>.</param>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/>: no <c>:</c>, an empty pattern or an unknown permission.</exception>
    public static AccessGrant Parse(string? text, string field)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            throw Invalid(field,
                $"grant '{text}' is invalid: use PATTERN:PERMISSIONS, such as orders-*:publish,consume or *:all (permissions publish, consume, admin, all)");
        }

        var permissions = SluicePermissions.None;
        foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            permissions |= part.ToLowerInvariant() switch
            {
                "publish" => SluicePermissions.Publish,
                "consume" => SluicePermissions.Consume,
                "admin" => SluicePermissions.Admin,
                "all" => SluicePermissions.All,
                _ => throw Invalid(field,
                    $"grant '{text}' names permission '{part}', which does not exist: use publish, consume, admin or all (comma-separated)"),
            };
        }

        if (permissions == SluicePermissions.None)
        {
            throw new SluiceException(ErrorCodes.InvalidArgument, $"grant '{text}' gives no permission: name publish, consume, admin or all after the ':'", field);
        }

        return new AccessGrant(text[..colon], permissions);
    }

    /// <summary>Formats a grant as <c>PATTERN:PERMISSIONS</c> (<c>all</c> for every permission).</summary>
    /// <param name="grant">The grant.</param>
    public static string Format(AccessGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Permissions == SluicePermissions.All)
        {
            return grant.Pattern + ":all";
        }

        var parts = new List<string>(3);
        if (grant.Permissions.HasFlag(SluicePermissions.Publish))
        {
            parts.Add("publish");
        }

        if (grant.Permissions.HasFlag(SluicePermissions.Consume))
        {
            parts.Add("consume");
        }

        if (grant.Permissions.HasFlag(SluicePermissions.Admin))
        {
            parts.Add("admin");
        }

        return grant.Pattern + ":" + string.Join(',', parts);
    }

    private static SluiceException Invalid(string field, string message) => new(ErrorCodes.InvalidArgument, message, field);
}
