using System.CommandLine;
using System.Numerics;

namespace Sluice.Cli.Commands;

/// <summary>Factories for the option shapes the verbs share (durations in seconds, positive counts).</summary>
internal static class Options
{
    /// <summary>A duration in seconds (fractions allowed, not negative).</summary>
    public static Option<double?> Seconds(string name, string description)
    {
        var option = new Option<double?>(name) { Description = description + " (seconds)", HelpName = "S" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } v && (v < 0 || double.IsNaN(v) || double.IsInfinity(v)))
                result.AddError($"{name} {v} is invalid: give a number of seconds, 0 or more");
        });
        return option;
    }

    /// <summary>A count or size of at least 1.</summary>
    public static Option<T?> Positive<T>(string name, string helpName, string description) where T : struct, INumber<T>
    {
        var option = new Option<T?>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T?>() is { } v && v < T.One)
                result.AddError($"{name} {v} is invalid: give a whole number, 1 or more");
        });
        return option;
    }
}
