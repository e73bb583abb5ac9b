using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sluice.Storage.Conformance;

/// <summary>A logger that keeps the event id of every entry, so a test can tell what a broker did in the background.</summary>
public sealed class RecordingLogger : ILogger<Broker>
{
    private readonly ConcurrentQueue<int> _events = new();

    /// <summary>How many entries with event id <paramref name="eventId"/> were logged so far.</summary>
    public int Count(int eventId) => _events.Count(e => e == eventId);

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _events.Enqueue(eventId.Id);
}
