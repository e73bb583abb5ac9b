using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Sluice.Cli.Tests;

public class LogEventIdTests
{
    /// <summary>Every [LoggerMessage] event id in every shipped assembly is used once (docs and alerts key on them).</summary>
    [Fact]
    public void LoggerMessageEventIds_AcrossAssemblies_AreUnique()
    {
        var assemblies = new[] { "Sluice.Core", "Sluice.Storage.Log", "Sluice.Storage.Sqlite", "Sluice.Faces.Http", "Sluice.Faces.Rest", "Sluice.Faces.Sqs", "Sluice.Faces.Resp", "Sluice.Faces.Grpc", "Sluice.Server", "Sluice.Worker", "Sluice.Client", "sluice" }.Select(Assembly.Load);
        var ids = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Attribute!.EventId, Name: $"{x.Method.DeclaringType!.FullName}.{x.Method.Name}"))
            .ToList();

        Assert.NotEmpty(ids);
        var duplicates = ids.GroupBy(x => x.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Name))}").ToList();
        Assert.True(duplicates.Count == 0, "duplicate event ids: " + string.Join("; ", duplicates));
    }
}
