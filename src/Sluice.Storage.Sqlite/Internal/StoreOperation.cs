namespace Sluice.Storage.Sqlite.Internal;

/// <summary>
/// One operation queued for the writer. The writer runs <see cref="Execute"/> inside the group's transaction (in its
/// own savepoint), records a failure with <see cref="SetError"/>, and calls <see cref="Complete"/> only after the
/// group committed (or failed), outside any lock.
/// </summary>
internal abstract class StoreOperation(CancellationToken cancellationToken)
{
    /// <summary>Cancels the operation while it waits in the channel; once executing it runs to the end.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Runs the operation on the writer thread and keeps its result until <see cref="Complete"/>.</summary>
    public abstract void Execute();

    /// <summary>Records why the operation failed (replacing any result).</summary>
    public abstract void SetError(Exception error);

    /// <summary>Completes the caller's task with the result or the error.</summary>
    public abstract void Complete();
}

/// <summary>An operation returning <typeparamref name="T"/>.</summary>
internal sealed class StoreOperation<T>(Func<T> body, CancellationToken cancellationToken) : StoreOperation(cancellationToken)
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;
    private Exception? _error;

    /// <summary>Completes once the operation's transaction committed (or the operation failed).</summary>
    public Task<T> Task => _completion.Task;

    public override void Execute()
    {
        _result = body();
        _error = null;
    }

    public override void SetError(Exception error) => _error = error;

    public override void Complete()
    {
        switch (_error)
        {
            case null:
                _completion.TrySetResult(_result!);
                break;
            case OperationCanceledException canceled:
                _completion.TrySetCanceled(canceled.CancellationToken);
                break;
            default:
                _completion.TrySetException(_error);
                break;
        }
    }
}
