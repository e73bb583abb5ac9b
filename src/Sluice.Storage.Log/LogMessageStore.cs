namespace Sluice.Storage.Log;

/// <summary>
/// The log-structured store (the default embedded store): every state change is a checksummed record appended to
/// segment files by one writer with group commit; the state (indexes, counters, positions of bodies) lives in memory
/// and is rebuilt at open from the newest checkpoint and the log after it. See docs/design/log-store.md.
/// </summary>
public sealed partial class LogMessageStore
{
    private readonly LogStoreOptions _options;
    private readonly TimeProvider _time;

    /// <summary>A store over <paramref name="options"/>; call <c>InitializeAsync</c> before use.</summary>
    /// <param name="options">Where and how.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    public LogMessageStore(LogStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }
}
