using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Sluice.Cli.Commands;

/// <summary>
/// Factories for the option shapes the verbs share (durations in seconds, positive counts), and the one parser of
/// every numeric option: a value that is not a number of the option's type, or that breaks the option's rule, is a
/// usage error of one line naming the option (never an exception from a validator reading a value that failed to parse).
/// </summary>
internal static class Options
{
    /// <summary>A duration in seconds (fractions allowed, at least <paramref name="minimum"/>, finite).</summary>
    public static Option<double?> Seconds(string name, string description, double minimum = 0)
    {
        var option = new Option<double?>(name) { Description = description + " (seconds)", HelpName = "S" };
        var rule = minimum == 0
            ? "give a number of seconds, 0 or more"
            : string.Create(CultureInfo.InvariantCulture, $"give at least {minimum} seconds");
        return option.Parsed(v => v >= minimum && double.IsFinite(v), rule);
    }

    /// <summary>A count or size of at least 1.</summary>
    public static Option<T?> Positive<T>(string name, string helpName, string description) where T : struct, INumber<T>
    {
        var option = new Option<T?>(name) { Description = description, HelpName = helpName };
        return option.Parsed(v => v >= T.One, "give a whole number, 1 or more");
    }

    /// <summary>Parses an optional numeric option and checks it against <paramref name="valid"/>.</summary>
    /// <param name="option">The option.</param>
    /// <param name="valid">Whether a parsed value is allowed.</param>
    /// <param name="rule">What to give instead, e.g. "give 1 to 100".</param>
    public static Option<T?> Parsed<T>(this Option<T?> option, Func<T, bool> valid, string rule) where T : struct, INumber<T>
    {
        option.CustomParser = result => TryParse(result, option.Name, valid, rule, out T value) ? value : null;
        return option;
    }

    /// <summary>Parses a numeric option that has a default and checks it against <paramref name="valid"/>.</summary>
    /// <param name="option">The option; its <see cref="Option{T}.DefaultValueFactory"/> gives the value when it is absent.</param>
    /// <param name="valid">Whether a parsed value is allowed.</param>
    /// <param name="rule">What to give instead, e.g. "give 1 to 100".</param>
    public static Option<T> ParsedWithDefault<T>(this Option<T> option, Func<T, bool> valid, string rule) where T : struct, INumber<T>
    {
        option.CustomParser = result => TryParse(result, option.Name, valid, rule, out T value) ? value : default;
        return option;
    }

    private static bool TryParse<T>(ArgumentResult result, string name, Func<T, bool> valid, string rule, out T value)
        where T : struct, INumber<T>
    {
        value = default;
        if (result.Tokens.Count == 0)
        {
            return false;
        }

        var token = result.Tokens[^1].Value;
        var whole = typeof(T) != typeof(double) && typeof(T) != typeof(float) && typeof(T) != typeof(decimal);
        var style = whole ? NumberStyles.Integer : NumberStyles.Float;
        if (!T.TryParse(token, style, CultureInfo.InvariantCulture, out value))
        {
            result.AddError($"{name} '{token}' is not {(whole ? "a whole number" : "a number")}: {rule}");
            return false;
        }

        if (!valid(value))
        {
            result.AddError($"{name} {token} is invalid: {rule}");
            return false;
        }

        return true;
    }
}
