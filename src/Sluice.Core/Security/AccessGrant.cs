namespace Sluice.Security;

/// <summary>
/// One grant of a principal: <see cref="Permissions"/> on every resource whose name matches <see cref="Pattern"/>.
/// </summary>
/// <param name="Pattern">
/// A name pattern: <c>*</c> matches any run of characters (also none), every other character matches itself
/// (case-sensitive, as resource names are). <c>*</c> alone matches every name; <c>orders-*</c> matches
/// <c>orders-eu</c> and <c>orders-</c>.
/// </param>
/// <param name="Permissions">What the grant allows.</param>
public sealed record AccessGrant(string Pattern, SluicePermissions Permissions)
{
    /// <summary>Whether <paramref name="name"/> matches <see cref="Pattern"/>.</summary>
    /// <param name="name">A resource name.</param>
    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Glob(Pattern.AsSpan(), name.AsSpan());
    }

    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative wildcard match with one back-track point: linear for patterns with a single '*', and never
        // exponential for many.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
