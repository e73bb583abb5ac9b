using System.Globalization;
using System.Text;

namespace Sluice.Server.Tests.Operations;

/// <summary>One sample of a Prometheus text exposition: a series name, its labels, its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4: <c># HELP</c> and <c># TYPE</c> lines (one TYPE per
/// family, before its samples), samples <c>name{label="value",...} value [timestamp]</c> with escaped label values,
/// and the histogram rules (buckets with an <c>le</c> label in increasing order, cumulative counts, a <c>+Inf</c> bucket
/// equal to <c>_count</c>, and a <c>_sum</c>). Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public static class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenSamples = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.Length == 0)
            {
                continue;
            }

            if (line.EndsWith('\r'))
            {
                throw Error(n, "a line ends with CR: the format uses LF only");
            }

            if (line[0] == '#')
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] == "TYPE")
                {
                    CheckName(parts[2], n);
                    if (parts.Length != 4 || !Types.Contains(parts[3]))
                    {
                        throw Error(n, $"TYPE of {parts[2]} is not one of {string.Join(", ", Types)}");
                    }

                    if (!types.TryAdd(parts[2], parts[3]))
                    {
                        throw Error(n, $"a second TYPE line for {parts[2]}");
                    }

                    if (seenSamples.Contains(parts[2]))
                    {
                        throw Error(n, $"the TYPE of {parts[2]} comes after its samples");
                    }
                }
                else if (parts.Length >= 3 && parts[1] == "HELP")
                {
                    CheckName(parts[2], n);
                }

                continue;
            }

            var sample = ParseSample(line, n);
            seenSamples.Add(Family(sample.Name, types));
            samples.Add(sample);
        }

        CheckHistograms(samples, types);
        return samples;
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public static IEnumerable<PrometheusSample> Find(this IReadOnlyList<PrometheusSample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The one sample of <paramref name="name"/> with <paramref name="labels"/>; fails naming what exists when there is not exactly one.</summary>
    public static double Value(this IReadOnlyList<PrometheusSample> samples, string name, params (string Name, string Value)[] labels)
    {
        var found = samples.Find(name, labels).ToList();
        Assert.True(found.Count == 1,
            $"expected one sample {name} with {string.Join(",", labels.Select(l => l.Name + "=" + l.Value))}, found {found.Count}; series of that name: " +
            string.Join("; ", samples.Where(s => s.Name == name).Take(20).Select(s => string.Join(",", s.Labels.Select(l => l.Key + "=" + l.Value)))));
        return found[0].Value;
    }

    private static string Family(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var t) && t is "histogram" or "summary")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static PrometheusSample ParseSample(string line, int n)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
        {
            i++;
        }

        var name = line[..i];
        CheckName(name, n);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && line[i] != '=')
                {
                    i++;
                }

                var label = line[start..i];
                if (!IsLabelName(label))
                {
                    throw Error(n, $"'{label}' is not a label name");
                }

                if (i + 1 >= line.Length || line[i + 1] != '"')
                {
                    throw Error(n, $"label {label} has no quoted value");
                }

                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw Error(n, $"label {label}'s value is not closed");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        var e = i < line.Length ? line[i++] : throw Error(n, "a line ends inside an escape");
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw Error(n, $"unknown escape \\{e} in label {label}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw Error(n, $"label {label} appears twice");
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw Error(n, "labels must be separated by commas and closed by }");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw Error(n, "no space before the value");
        }

        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2)
        {
            throw Error(n, "expected a value and an optional timestamp");
        }

        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            var v => throw Error(n, $"'{v}' is not a number"),
        };
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw Error(n, $"'{rest[1]}' is not a timestamp in milliseconds");
        }

        return new PrometheusSample(name, labels, number);
    }

    private static void CheckHistograms(List<PrometheusSample> samples, Dictionary<string, string> types)
    {
        foreach (var (family, _) in types.Where(t => t.Value == "histogram"))
        {
            var series = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
            foreach (var buckets in series)
            {
                var previousBound = double.NegativeInfinity;
                var previousCount = 0d;
                foreach (var b in buckets)
                {
                    if (!b.Labels.TryGetValue("le", out var le))
                    {
                        throw new FormatException($"a bucket of {family} has no le label");
                    }

                    var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                    if (bound <= previousBound || b.Value < previousCount)
                    {
                        throw new FormatException($"the buckets of {family}{{{buckets.Key}}} are not in increasing order with cumulative counts");
                    }

                    (previousBound, previousCount) = (bound, b.Value);
                }

                if (!double.IsPositiveInfinity(previousBound))
                {
                    throw new FormatException($"{family}{{{buckets.Key}}} has no +Inf bucket");
                }

                var labels = buckets.First().Labels.Where(l => l.Key != "le").ToArray();
                var count = samples.Where(s => s.Name == family + "_count" && SameLabels(s.Labels, labels)).ToList();
                var sum = samples.Where(s => s.Name == family + "_sum" && SameLabels(s.Labels, labels)).ToList();
                if (count.Count != 1 || sum.Count != 1 || count[0].Value != previousCount)
                {
                    throw new FormatException($"{family}{{{buckets.Key}}} needs one _sum and one _count equal to its +Inf bucket");
                }
            }
        }
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, KeyValuePair<string, string>[] b) =>
        a.Count == b.Length && b.All(l => a.TryGetValue(l.Key, out var v) && v == l.Value);

    private static void CheckName(string name, int n)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw Error(n, $"'{name}' is not a metric name");
        }
    }

    private static bool IsLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static FormatException Error(int line, string rule) => new($"line {line + 1}: {rule}");
}
