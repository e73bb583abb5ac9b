using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Commands;

/// <summary>
/// Which REST request field each command-line option sets, so that a server error naming a field (problem+json
/// <c>field</c>, and the field's name in <c>detail</c>) is printed with the option the user typed instead:
/// <c>visibilityTimeoutSeconds 50000 s is out of range</c> becomes <c>--visibility-timeout 50000 s is out of range</c>.
/// </summary>
internal static class RestFields
{
    private static readonly ConditionalWeakTable<Option, string> Fields = [];

    /// <summary>Records that <paramref name="option"/> sets the REST field <paramref name="field"/>; returns the option.</summary>
    public static T Sets<T>(this T option, string field) where T : Option
    {
        Fields.AddOrUpdate(option, field);
        return option;
    }

    /// <summary>
    /// <paramref name="message"/> with each whole-word <paramref name="field"/> replaced by the name of the option of
    /// <paramref name="command"/> that sets it; unchanged when no option of the command sets that field.
    /// </summary>
    public static string InTermsOf(Command command, string field, string message)
    {
        foreach (var option in command.Options)
        {
            if (Fields.TryGetValue(option, out var set) && set == field)
            {
                return Regex.Replace(message, $@"(?<![\w-]){Regex.Escape(field)}(?![\w-])", option.Name, RegexOptions.CultureInvariant);
            }
        }

        return message;
    }
}
