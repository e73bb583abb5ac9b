namespace Sluice.Storage;

/// <summary>
/// The stream semantics, written once (Redis's <c>src/t_stream.c</c> rules), over a store's <see cref="IStreamState"/>
/// primitives. A store calls one method per <see cref="IStreamStore"/> operation inside one atomic unit. Thread-safe
/// as long as the store serialises its atomic units (the engine keeps no state of its own besides the clock).
/// </summary>
/// <param name="time">The store's clock (the broker's).</param>
public sealed partial class StreamEngine(TimeProvider time)
{
    private readonly TimeProvider _time = time;
}
