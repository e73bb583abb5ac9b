using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Operations;

/// <summary>
/// deploy/appsettings.sample.json lists every setting of <see cref="SluiceServerOptions"/> with its default, binds and
/// validates; a setting added without a line in the sample fails here, naming it.
/// </summary>
public sealed class SampleSettingsTests
{
    private static readonly string SamplePath = Path.Combine(RepositoryRoot(), "deploy", "appsettings.sample.json");

    [Fact]
    public void Sample_BindsValidatesAndHasNoUnknownKey()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(SamplePath, optional: false).Build();

        var options = SluiceServerOptions.FromConfiguration(configuration);
        options.Validate();
        SluiceServerOptions.CheckLoggingSettings(configuration);

        Assert.Empty(SluiceServerOptions.FindUnknownSettings(configuration));
    }

    [Fact]
    public void Sample_NamesEverySetting()
    {
        var listed = ListedPaths();

        var missing = SettingPaths(typeof(SluiceServerOptions), SluiceServerOptions.SectionName).Select(p => p.Path).Where(p => !listed.Contains(p)).ToList();

        Assert.True(missing.Count == 0,
            $"deploy/appsettings.sample.json lacks {string.Join(", ", missing)}: add each with its default (a setting without a default as a commented line)");
    }

    [Fact]
    public void Sample_ValuesAreTheDefaults()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(SamplePath, optional: false).Build();
        var bound = SluiceServerOptions.FromConfiguration(configuration);
        var defaults = new SluiceServerOptions();

        var differing = new List<string>();
        foreach (var (path, chain) in SettingPaths(typeof(SluiceServerOptions), SluiceServerOptions.SectionName))
        {
            var expected = Read(defaults, chain);
            var actual = Read(bound, chain);
            if (expected is IEnumerable and not string || Equals(expected, actual))
            {
                continue;
            }

            differing.Add($"{path} is {Format(actual)} in the sample, {Format(expected)} by default");
        }

        Assert.True(differing.Count == 0, "deploy/appsettings.sample.json: " + string.Join("; ", differing));
    }

    /// <summary>Every settable leaf setting (scalars, strings, durations, maps) as a configuration path, with the properties leading to it.</summary>
    private static IEnumerable<(string Path, PropertyInfo[] Chain)> SettingPaths(Type type, string prefix, PropertyInfo[]? chain = null)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).OrderBy(p => p.MetadataToken))
        {
            var path = prefix + ":" + property.Name;
            PropertyInfo[] next = [.. chain ?? [], property];
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal) || typeof(IEnumerable).IsAssignableFrom(t))
            {
                yield return (path, next);
            }
            else
            {
                foreach (var inner in SettingPaths(t, path, next))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>The paths of the sample's keys, commented ones included (a commented line is a setting without a default).</summary>
    private static HashSet<string> ListedPaths()
    {
        var lines = File.ReadAllLines(SamplePath).Select(l => l.TrimStart().StartsWith("// \"", StringComparison.Ordinal) ? l.Replace("// ", "", StringComparison.Ordinal) : l);
        using var document = JsonDocument.Parse(string.Join('\n', lines), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Walk(document.RootElement, "");
        return paths;

        void Walk(JsonElement element, string prefix)
        {
            foreach (var property in element.EnumerateObject())
            {
                var path = prefix.Length == 0 ? property.Name : prefix + ":" + property.Name;
                paths.Add(path);
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    Walk(property.Value, path);
                }
            }
        }
    }

    private static object? Read(object root, PropertyInfo[] chain)
    {
        object? value = root;
        foreach (var property in chain)
        {
            value = value is null ? null : property.GetValue(value);
        }

        return value;
    }

    private static string Format(object? value) => value is null ? "(none)" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sluice.slnx not found above " + AppContext.BaseDirectory);
    }
}
