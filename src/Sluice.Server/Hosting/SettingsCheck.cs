using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging;

namespace Sluice.Server.Hosting;

/// <summary>
/// Checks a configuration section against the options type it binds to, before binding: keys that no setting reads
/// (a typo is silently ignored by the binder) and values the binder cannot convert (its message names neither the rule
/// nor the fix). The settings are the public <c>init</c> properties of the options records, recursively; dictionaries
/// take any key.
/// </summary>
internal static class SettingsCheck
{
    /// <summary>One line per key under <paramref name="section"/> that no setting of <paramref name="optionsType"/> reads.</summary>
    public static IReadOnlyList<string> UnknownKeys(IConfiguration root, IConfigurationSection section, Type optionsType)
    {
        var warnings = new List<string>();
        Walk(root, section, optionsType, section.Path, warnings);
        return warnings;
    }

    /// <summary>Throws when a value under <paramref name="section"/> cannot be converted to its setting's type.</summary>
    /// <exception cref="ArgumentException">The message names the setting, the value, where it came from and the accepted form.</exception>
    public static void CheckValues(IConfiguration root, IConfigurationSection section, Type optionsType) =>
        CheckValues(root, section, optionsType, section.Path);

    /// <summary>
    /// Throws when a level under the <c>Logging</c> section (<c>Logging:LogLevel:Default</c>,
    /// <c>Logging:Console:LogLevel:Microsoft</c>, ...) is not a log level; the logging library would throw an
    /// <see cref="InvalidOperationException"/> naming neither the setting nor the accepted values.
    /// </summary>
    /// <exception cref="ArgumentException">The message names the setting, the value, where it came from and the accepted levels.</exception>
    public static void CheckLogLevels(IConfiguration root, IConfigurationSection logging)
    {
        // Levels sit under Logging:LogLevel and Logging:<provider>:LogLevel; the library parses them ignoring case.
        var levelSections = logging.GetChildren()
            .SelectMany(c => string.Equals(c.Key, "LogLevel", StringComparison.OrdinalIgnoreCase)
                ? [(Section: c, Canonical: "Logging:LogLevel")]
                : c.GetChildren().Where(g => string.Equals(g.Key, "LogLevel", StringComparison.OrdinalIgnoreCase))
                    .Select(g => (Section: g, Canonical: $"Logging:{c.Key}:LogLevel")));
        foreach (var (levels, canonical) in levelSections)
        {
            foreach (var level in levels.GetChildren())
            {
                if (level.Value is { } value && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
                {
                    var key = $"{canonical}:{level.Key}";
                    throw new ArgumentException(
                        $"setting {key} '{value}'{Source(root, level.Path)} is not a log level: use one of " +
                        string.Join(", ", Enum.GetNames<LogLevel>()), key);
                }
            }
        }
    }

    /// <summary>Checks the values under <paramref name="section"/>; <paramref name="canonical"/> is its path as the options spell it.</summary>
    private static void CheckValues(IConfiguration root, IConfigurationSection section, Type optionsType, string canonical)
    {
        var settings = Settings(optionsType);
        foreach (var child in section.GetChildren())
        {
            if (!settings.TryGetValue(child.Key, out var property))
            {
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            // Name the setting as the options spell it, not in the casing of its source (SLUICE__BROKER__MAXWAITTIME).
            var key = ConfigurationPath.Combine(canonical, property.Name);
            if (IsSection(type))
            {
                CheckValues(root, child, type, key);
            }
            else if (child.Value is { Length: > 0 } value && !Converts(type, value))
            {
                throw new ArgumentException($"setting {key} '{value}'{Source(root, child.Path)} is not {Expected(type)}", key);
            }
        }
    }

    /// <summary>Collects the warnings under <paramref name="section"/>; <paramref name="canonical"/> is its path as the options spell it.</summary>
    private static void Walk(IConfiguration root, IConfigurationSection section, Type optionsType, string canonical, List<string> warnings)
    {
        var settings = Settings(optionsType);
        foreach (var child in section.GetChildren())
        {
            if (!settings.TryGetValue(child.Key, out var property))
            {
                // The unknown key as given, under its section as documented (Sluice:Broker:MaxBatchSise, not Sluice:BROKER:...).
                warnings.Add($"unknown setting {ConfigurationPath.Combine(canonical, child.Key)}{Source(root, child.Path)} is ignored: {Suggest(canonical, child.Key, settings.Values)}");
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var key = ConfigurationPath.Combine(canonical, property.Name);
            if (IsSection(type))
            {
                if (child.Value is { Length: > 0 } value)
                {
                    warnings.Add($"setting {key} '{value}'{Source(root, child.Path)} is ignored: {key} is a section; " +
                                 $"set its keys instead ({string.Join(", ", Settings(type).Values.Select(p => p.Name))})");
                }

                Walk(root, child, type, key, warnings);
            }
            else if (!IsMap(type))
            {
                // A scalar setting has no keys under it; anything there is ignored.
                foreach (var grandchild in child.GetChildren())
                {
                    warnings.Add($"unknown setting {ConfigurationPath.Combine(key, grandchild.Key)}{Source(root, grandchild.Path)} is ignored: {key} is a single value, not a section");
                }
            }
        }
    }

    private static Dictionary<string, PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>An options record bound key by key (not a scalar, a string or a collection).</summary>
    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static bool IsMap(Type type) => typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string);

    private static bool Converts(Type type, string value)
    {
        if (IsMap(type))
        {
            return true;
        }

        try
        {
            // The conversion the configuration binder uses.
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(bool) => "a boolean: use true or false",
        _ when type == typeof(int) => $"a whole number: use digits only ({int.MinValue} to {int.MaxValue}), such as 100",
        _ when type == typeof(long) => "a whole number: use digits only, such as 16777216",
        _ when type == typeof(TimeSpan) => "a duration: use [d.]hh:mm:ss, such as 00:00:30 for 30 seconds",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}: use one of them",
        _ => $"a valid {type.Name}: fix or remove it",
    };

    private static string Suggest(string parent, string key, IEnumerable<PropertyInfo> known)
    {
        var names = known.Select(p => p.Name).ToList();
        var closest = names
            .Select(n => (Name: n, Distance: Distance(key.ToUpperInvariant(), n.ToUpperInvariant())))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return closest.Name is not null && closest.Distance <= Math.Max(2, key.Length / 3)
            ? $"did you mean {parent}:{closest.Name}?"
            : $"the settings under {parent} are {string.Join(", ", names)}";
    }

    /// <summary>Levenshtein distance: the fewest one-character edits from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>" (in 'path')", " (environment variable X)" or "": where the winning value of <paramref name="key"/> came from.</summary>
    private static string Source(IConfiguration root, string key)
    {
        if (root is not IConfigurationRoot configurationRoot)
        {
            return "";
        }

        foreach (var provider in configurationRoot.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _) && !provider.GetChildKeys([], key).Any())
            {
                continue;
            }

            return provider switch
            {
                FileConfigurationProvider file => $" (in '{file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? "").PhysicalPath ?? file.Source.Path}')",
                EnvironmentVariablesConfigurationProvider => $" (environment variable {OriginalKey(provider, key).Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal)})",
                MemoryConfigurationProvider => "",
                _ => string.Create(CultureInfo.InvariantCulture, $" ({provider})"),
            };
        }

        return "";
    }

    /// <summary>The key as the provider spells it (configuration paths are case-insensitive; environment variables are not).</summary>
    private static string OriginalKey(IConfigurationProvider provider, string path)
    {
        string? spelled = null;
        foreach (var segment in path.Split(ConfigurationPath.KeyDelimiter))
        {
            var match = provider.GetChildKeys([], spelled).FirstOrDefault(k => string.Equals(k, segment, StringComparison.OrdinalIgnoreCase)) ?? segment;
            spelled = spelled is null ? match : ConfigurationPath.Combine(spelled, match);
        }

        return spelled ?? path;
    }
}
