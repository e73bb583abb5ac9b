namespace Sluice.Storage.Log.Segments;

public sealed partial class SegmentLog
{
    private void StartWriter()
    {
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "sluice-log-writer" };
        _writer.Start();
    }

    /// <summary>
    /// The one writer: takes every pending chunk (the group), writes each with one write, fsyncs (a segment that the
    /// group leaves is fsynced before the next one is written, so a later segment never holds data that an earlier one
    /// lost; a new segment's directory entry was made durable when it was created), then marks the group durable and
    /// completes its waiters outside the lock. A failure poisons the log and fails every waiter.
    /// </summary>
    private void WriterLoop()
    {
        var group = new List<Chunk>();
        var files = new List<Files.IStorageFile>();
        try
        {
            while (true)
            {
                LogPosition end;
                lock (_gate)
                {
                    while (_pending.Count == 0 && !_disposing)
                    {
                        _writerWaiting = true;
                        Monitor.Wait(_gate);
                    }

                    _writerWaiting = false;
                    if (_pending.Count == 0)
                        return;
                    (_pending, group) = (group, _pending);
                    _inflight = group;
                    end = _tail;
                    _inflightEnd = end;
                    _inflightGroup = _nextGroup;
                    _nextGroup = null;
                }

                Exception? failure = null;
                try
                {
                    files.Clear();
                    lock (_gate)
                    {
                        foreach (var chunk in group)
                            files.Add(_segments[chunk.Segment].File);
                    }

                    long bytes = 0, records = 0, syncStarted = 0;
                    var measure = global::Sluice.Internal.Metrics.FsyncDuration.Enabled;
                    for (var i = 0; i < group.Count; i++)
                    {
                        var chunk = group[i];
                        bytes += chunk.Count;
                        records += chunk.Records;
                        files[i].Write(chunk.Offset, chunk.Buffer.AsSpan(0, chunk.Count));
                        if (_options.Fsync && i + 1 < group.Count)
                            files[i].Sync();
                    }

                    lock (_gate)
                    {
                        _written = end;
                        _inflight = NoChunks;
                    }

                    if (_options.Fsync)
                    {
                        if (measure)
                            syncStarted = TimeProvider.System.GetTimestamp();
                        files[^1].Sync();
                        if (measure)
                            global::Sluice.Internal.Metrics.FsyncDuration.Record(TimeProvider.System.GetElapsedTime(syncStarted).TotalSeconds);
                    }

                    global::Sluice.Internal.Metrics.CommitBytes.Record(bytes);
                    global::Sluice.Internal.Metrics.CommitMessages.Record(records);
                }
                catch (Exception e)
                {
                    failure = e;
                }

                TaskCompletionSource? done, next = null;
                SluiceException? error = null;
                lock (_gate)
                {
                    done = _inflightGroup;
                    _inflightGroup = null;
                    if (failure is null)
                    {
                        _durable = end;
                    }
                    else
                    {
                        error = _failure = StoreErrors.StorageFailed(failure);
                        next = _nextGroup;
                        _nextGroup = null;
                    }

                    foreach (var chunk in group)
                    {
                        chunk.Recycle();
                        _freeChunks.Push(chunk);
                    }

                    group.Clear();
                }

                if (error is null)
                {
                    done?.TrySetResult();
                }
                else
                {
                    done?.TrySetException(error);
                    next?.TrySetException(error);
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // Not an I/O failure (those are handled above): still, fail every waiter rather than the process.
            SluiceException error;
            TaskCompletionSource? done, next;
            lock (_gate)
            {
                error = _failure ??= StoreErrors.StorageFailed(e);
                (done, next, _inflightGroup, _nextGroup) = (_inflightGroup, _nextGroup, null, null);
            }

            done?.TrySetException(error);
            next?.TrySetException(error);
        }
        finally
        {
            _writerExited.TrySetResult();
        }
    }
}
