using System.CommandLine;
using System.Text;

namespace Sluice.Cli.Commands;

/// <summary>
/// The CLI's enum values (overflow policy, deduplication scope). Lowercase kebab-case is canonical: the CLI prints it
/// and offers it in help and completions; camelCase (<c>dropHead</c>, <c>messageGroup</c>) is accepted too, from the
/// user and from the server.
/// </summary>
internal static class Enums
{
    /// <summary>The overflow policies, canonical spelling.</summary>
    public static readonly string[] OverflowPolicies = ["reject", "drop-head", "dead-letter-head"];

    /// <summary>The deduplication scopes, canonical spelling.</summary>
    public static readonly string[] DeduplicationScopes = ["queue", "message-group"];

    /// <summary>The canonical (kebab-case) spelling of <paramref name="value"/>: <c>dropHead</c> → <c>drop-head</c>; null stays null.</summary>
    public static string? Canonical(string? value)
    {
        if (value is null)
            return null;
        var text = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (char.IsUpper(c))
            {
                if (text.Length > 0 && text[^1] != '-')
                    text.Append('-');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c == '_' ? '-' : c);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// An option taking one of <paramref name="values"/> (canonical spelling), in either spelling; the parsed value is
    /// canonical. Help and completions list the canonical values.
    /// </summary>
    public static Option<string> Option(string name, string description, string[] values)
    {
        var option = new Option<string>(name) { Description = description, HelpName = string.Join('|', values) };
        option.CompletionSources.Add(values);
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            var canonical = Canonical(token)!;
            if (Array.IndexOf(values, canonical) >= 0)
                return canonical;
            result.AddError($"{name} '{token}' is invalid: use {string.Join(", ", values)}");
            return null;
        };
        return option;
    }
}
