namespace Sluice;

/// <summary>
/// The one spelling of Sluice's enum values on every surface Sluice defines (REST, CLI, configuration, docs):
/// lowercase kebab-case (<c>drop-head</c>, <c>message-group</c>). Parsing also accepts the camelCase form
/// (<c>dropHead</c>, <c>messageGroup</c>), ignoring case. The SQS face keeps SQS's own spellings.
/// </summary>
public static class EnumNames
{
    /// <summary>The accepted overflow policies, as one would list them in an error: <c>reject, drop-head or dead-letter-head</c>.</summary>
    public const string OverflowPolicies = "reject, drop-head or dead-letter-head";

    /// <summary>The accepted deduplication scopes, as one would list them in an error: <c>queue or message-group</c>.</summary>
    public const string DeduplicationScopes = "queue or message-group";

    /// <summary>The spelling of an overflow policy: <c>reject</c>, <c>drop-head</c> or <c>dead-letter-head</c>.</summary>
    /// <param name="policy">The policy; an undefined value is spelled as its number.</param>
    public static string Of(OverflowPolicy policy) => policy switch
    {
        OverflowPolicy.Reject => "reject",
        OverflowPolicy.DropHead => "drop-head",
        OverflowPolicy.DeadLetterHead => "dead-letter-head",
        _ => ((int)policy).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The spelling of a deduplication scope: <c>queue</c> or <c>message-group</c>.</summary>
    /// <param name="scope">The scope; an undefined value is spelled as its number.</param>
    public static string Of(DeduplicationScope scope) => scope switch
    {
        DeduplicationScope.Queue => "queue",
        DeduplicationScope.MessageGroup => "message-group",
        _ => ((int)scope).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Parses <c>reject</c>, <c>drop-head</c> (or <c>dropHead</c>), <c>dead-letter-head</c> (or <c>deadLetterHead</c>), ignoring case.</summary>
    /// <param name="text">The text as sent.</param>
    /// <param name="policy">The policy, when the text names one.</param>
    /// <returns>Whether the text names a policy.</returns>
    public static bool TryParse(string? text, out OverflowPolicy policy) => TryParse(text, Of, out policy);

    /// <summary>Parses <c>queue</c> and <c>message-group</c> (or <c>messageGroup</c>), ignoring case.</summary>
    /// <param name="text">The text as sent.</param>
    /// <param name="scope">The scope, when the text names one.</param>
    /// <returns>Whether the text names a scope.</returns>
    public static bool TryParse(string? text, out DeduplicationScope scope) => TryParse(text, Of, out scope);

    // A value's two accepted spellings, ignoring case: its kebab-case name ("dead-letter-head") and that name without
    // the hyphens, which is its camelCase name ignoring case ("deadLetterHead"). Nothing else ("d-r-o-p-h-e-a-d").
    private static bool TryParse<T>(string? text, Func<T, string> spell, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            var kebab = spell(candidate);
            if (string.Equals(text, kebab, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, kebab.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
