using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Sluice.Faces.Resp.Protocol;

namespace Sluice.Faces.Resp.Internal;

/// <summary>
/// One client connection: reads pipelined commands, runs them in order and writes their replies in order, flushing
/// once per batch. Holds the connection's state (protocol version, name, authentication, MULTI queue, WATCHed keys).
/// </summary>
internal sealed class RespSession
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly RespRequestParser _parser;
    private readonly List<byte[][]> _batch = [];
    private readonly CancellationTokenSource _closed;
    private bool _resumeBuffered;

    public RespSession(RespServer server, PipeReader input, PipeWriter output, string? remoteAddress, int localPort, CancellationToken aborted)
    {
        Server = server;
        _input = input;
        _output = output;
        Reply = new RespReplyWriter(output);
        _parser = new RespRequestParser(server.Options);
        Id = server.NextClientId();
        RemoteAddress = remoteAddress;
        LocalPort = localPort;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        Authenticated = server.Options.Password is null;
        _parser.Authenticated = Authenticated;
        ConnectedAt = server.Time.GetUtcNow();
    }

    public RespServer Server { get; }

    public RespReplyWriter Reply { get; }

    public long Id { get; }

    public string? RemoteAddress { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>The port the client connected to (INFO's <c>tcp_port</c>).</summary>
    public int LocalPort { get; }

    /// <summary>Fires when the client disconnects or the server stops: ends a blocking read.</summary>
    public CancellationToken Aborted => _closed.Token;

    public string? Name { get; set; }

    public string? LibraryName { get; set; }

    public string? LibraryVersion { get; set; }

    public bool Authenticated
    {
        get;
        set
        {
            field = value;
            if (_parser is not null)
                _parser.Authenticated = value;
        }
    }

    /// <summary>Set by QUIT (and by a protocol error): the connection closes once the replies so far are sent.</summary>
    public bool CloseRequested { get; set; }

    /// <summary>Commands queued since MULTI; <see langword="null"/> outside a transaction.</summary>
    public List<byte[][]>? Queued { get; set; }

    /// <summary>A command failed to queue inside MULTI: EXEC answers EXECABORT.</summary>
    public bool TransactionFailed { get; set; }

    /// <summary>True while EXEC runs the queue: blocking reads answer at once, as Redis does inside MULTI.</summary>
    public bool InExec { get; set; }

    /// <summary>Keys WATCHed with the version seen then.</summary>
    public Dictionary<string, long>? Watched { get; set; }

    /// <summary>Sends the replies written so far (before a blocking wait).</summary>
    public async ValueTask FlushAsync()
    {
        var result = await _output.FlushAsync(Aborted).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
            CloseRequested = true;
    }

    /// <summary>
    /// Runs a blocking wait while watching the connection: the session's reader is idle during a command, so a watcher
    /// reads meanwhile; when the client disconnects (end of input) <see cref="Aborted"/> fires and ends the wait.
    /// Bytes that arrive meanwhile (pipelined commands) are left in the pipe for the session loop.
    /// </summary>
    public async ValueTask<T> WatchingDisconnectAsync<T>(Func<CancellationToken, ValueTask<T>> wait)
    {
        var watcher = WatchInputAsync();
        try
        {
            return await wait(Aborted).ConfigureAwait(false);
        }
        finally
        {
            if (!watcher.IsCompleted)
                _input.CancelPendingRead();
            await watcher.ConfigureAwait(false);

            // The watcher marked what arrived meanwhile as examined, so a plain ReadAsync would wait for more bytes
            // before it returned them: the session loop takes what is buffered first.
            _resumeBuffered = true;
        }
    }

    private async Task WatchInputAsync()
    {
        while (true)
        {
            var read = await _input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (read.IsCanceled)
            {
                // Consume nothing and mark nothing examined, so the session loop's next read sees these bytes at once.
                _input.AdvanceTo(read.Buffer.Start);
                return;
            }
            _input.AdvanceTo(read.Buffer.Start, read.Buffer.End); // consume nothing, wait for more
            if (read.IsCompleted)
            {
                await _closed.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>Serves the connection until the client leaves, QUITs or breaks the protocol.</summary>
    public async Task RunAsync()
    {
        try
        {
            while (!CloseRequested)
            {
                if (!_resumeBuffered || !_input.TryRead(out var read))
                    read = await _input.ReadAsync(Aborted).ConfigureAwait(false);
                _resumeBuffered = false;
                var buffer = read.Buffer;
                var error = Parse(buffer, out var consumed);
                _input.AdvanceTo(consumed, buffer.End);

                foreach (var args in _batch)
                {
                    await Server.Commands.ExecuteAsync(this, args).ConfigureAwait(false);
                    if (CloseRequested)
                        break;
                }
                _batch.Clear();
                if (error is not null)
                {
                    Reply.Error(error);
                    CloseRequested = true;
                }
                await FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted)
                    break; // (a canceled read only ends a disconnect watch: carry on)
            }
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        catch (ConnectionResetException)
        {
            // The client went away.
        }
        finally
        {
            _batch.Clear();
            _closed.Dispose();
        }
    }

    /// <summary>Parses every complete command in <paramref name="buffer"/> into the batch; returns a protocol error, if any.</summary>
    private string? Parse(ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        string? error = null;
        while (true)
        {
            var status = _parser.TryParse(ref reader, out var args, out error);
            if (status != ParseStatus.Command)
                break;
            _batch.Add(args!);
            // Commands after AUTH in the same read are parsed with the limits in force now, as Redis does.
        }
        consumed = error is null ? reader.Position : buffer.End;
        return error;
    }
}
