using System.Collections.Concurrent;
using DotNext.Threading;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// The stream gate: one broker-wide asynchronous reader/writer lock over stream state. Every stream operation holds it
/// shared around its store calls (a blocking read waits outside it); <see cref="RunStreamTransactionAsync{T}"/> holds
/// it exclusively, so no other caller's stream operation (any face, any connection) takes effect while its body runs.
/// Calls made inside a hold (the same asynchronous flow) do not take the gate again. The gate also keeps a version per
/// stream, bumped under it by every write, which WATCH compares.
/// </summary>
public sealed partial class Broker
{
    private readonly AsyncReaderWriterLock _streamGate = new();
    private readonly AsyncLocal<GateHold?> _streamHold = new();
    private readonly ConcurrentDictionary<string, long> _streamVersions = new(StringComparer.Ordinal);

    /// <summary>How the current asynchronous flow holds the gate (<see langword="null"/>: not at all).</summary>
    private enum GateHold
    {
        Shared,
        Exclusive,
    }

    /// <summary>
    /// Runs <paramref name="body"/> with the stream gate held exclusively: it waits for every stream operation under
    /// way to end, and no other caller's stream operation starts until the body ends (or throws). Broker calls the body
    /// makes run at once; blocking reads inside it do not wait (as Redis inside MULTI). Nothing is rolled back: a
    /// failing call leaves the effects of the calls before it. Called inside a transaction, runs the body in it.
    /// </summary>
    /// <typeparam name="T">The body's result.</typeparam>
    /// <param name="body">The work; it gets <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the gate (then the body does not run).</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a shared hold (<see cref="RunHoldingStreamsAsync{TState}"/>).</exception>
    public async ValueTask<T> RunStreamTransactionAsync<T>(Func<CancellationToken, ValueTask<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        switch (_streamHold.Value)
        {
            case GateHold.Exclusive:
                return await body(cancellationToken).ConfigureAwait(false);
            case GateHold.Shared:
                throw new InvalidOperationException("a stream transaction cannot start inside a shared hold of the stream gate");
        }

        await _streamGate.EnterWriteLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _streamHold.Value = GateHold.Exclusive;
            return await body(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _streamHold.Value = null;
            _streamGate.Release();
        }
    }

    /// <summary>
    /// Takes the stream gate shared if it is free now (no transaction runs or waits); pair a success with
    /// <see cref="RunHoldingStreamsAsync{TState}"/>, which releases it. For a caller that must issue its stream calls in
    /// order without waiting for each other (a pipelining face): taking the gate in order, before each call, keeps them
    /// in order.
    /// </summary>
    /// <returns>Whether the gate was taken.</returns>
    public bool TryHoldStreamsShared() => _streamGate.TryEnterReadLock();

    /// <summary>Waits for the stream gate and takes it shared; pair with <see cref="RunHoldingStreamsAsync{TState}"/>, which releases it.</summary>
    /// <param name="cancellationToken">Cancels the wait (then nothing is held).</param>
    public ValueTask HoldStreamsSharedAsync(CancellationToken cancellationToken = default) => _streamGate.EnterReadLockAsync(cancellationToken);

    /// <summary>
    /// Runs <paramref name="operation"/> inside a shared hold taken by <see cref="TryHoldStreamsShared"/> or
    /// <see cref="HoldStreamsSharedAsync"/>, and releases the hold when it ends. The operation starts before this
    /// returns, and the broker calls it makes do not take the gate again. It should wait for nothing but its store calls
    /// (no blocking read): transactions wait until it ends.
    /// </summary>
    /// <typeparam name="TState">What the operation needs (avoids a closure).</typeparam>
    /// <param name="state">Passed to <paramref name="operation"/>.</param>
    /// <param name="operation">The work.</param>
    public async ValueTask RunHoldingStreamsAsync<TState>(TState state, Func<TState, ValueTask> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            _streamHold.Value = GateHold.Shared;
            await operation(state).ConfigureAwait(false);
        }
        finally
        {
            _streamHold.Value = null;
            _streamGate.Release();
        }
    }

    /// <summary>
    /// The stream's version (WATCH): it changes whenever a broker operation of any face writes the stream as Redis 7.0
    /// signals it to WATCH (appends, trims and deletes that remove entries, creating, deleting or renaming the stream,
    /// retention changes; not group changes, group reads, acks, claims or XSETID). Read it
    /// inside <see cref="RunStreamTransactionAsync{T}"/> to compare with a version read earlier.
    /// </summary>
    /// <param name="stream">Any name (a stream never written has version 0).</param>
    public long GetStreamVersion(string stream) => _streamVersions.GetValueOrDefault(stream);

    /// <summary>Whether the current flow is inside a transaction (blocking reads do not wait there).</summary>
    private bool InStreamTransaction => _streamHold.Value == GateHold.Exclusive;

    /// <summary>Marks a stream written (WATCH); called under the gate, before it is released.</summary>
    private void Touch(string stream) => _streamVersions.AddOrUpdate(stream, 1, static (_, v) => v + 1);

    /// <summary>Runs one stream operation's store call(s) with the gate held shared (at once inside a hold).</summary>
    private ValueTask<T> Shared<T>(Func<IStreamStore, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var store = Streams;
        if (_streamHold.Value is not null)
        {
            return call(store);
        }

        if (!_streamGate.TryEnterReadLock())
        {
            return SharedSlowAsync(store, call, cancellationToken);
        }

        ValueTask<T> pending;
        try
        {
            pending = call(store);
        }
        catch
        {
            _streamGate.Release();
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            _streamGate.Release();
            return pending;
        }

        return ReleaseAfterAsync(pending);
    }

    private async ValueTask<T> ReleaseAfterAsync<T>(ValueTask<T> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            _streamGate.Release();
        }
    }

    private async ValueTask<T> SharedSlowAsync<T>(IStreamStore store, Func<IStreamStore, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        await _streamGate.EnterReadLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call(store).ConfigureAwait(false);
        }
        finally
        {
            _streamGate.Release();
        }
    }
}
