using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Sluice.Faces.Resp.Commands;
using Sluice.Faces.Resp.Protocol;

namespace Sluice.Faces.Resp.Internal;

/// <summary>
/// One client connection: reads pipelined commands, runs them in order and writes their replies in order, flushing
/// once per batch. Holds the connection's state (protocol version, name, authentication, MULTI queue, WATCHed keys).
/// </summary>
/// <remarks>
/// Pipelining: of the commands of one read, those that may overlap (<see cref="RespCommandTable.MayOverlap"/>: stream
/// reads and writes that make one broker call) start one after another without waiting for each other's commit, so
/// the store's group commit makes them durable together; each still sees every earlier command's effects because the
/// store runs one caller's calls in the order issued. Each takes the broker's stream gate (shared) in the session loop,
/// before its call is issued; when the gate is closed (a stream transaction runs or waits), the commands before it are
/// answered first, so calls still reach the store in command order. Any other command (MULTI/EXEC, WATCH, HELLO, a blocking read,
/// ...) first waits until every earlier command is answered, and the next command waits for it. Replies are written
/// in command order: a command started while others are unanswered writes into a buffer of its own (found through
/// <see cref="Reply"/>), copied out once those before it are written.
/// </remarks>
#pragma warning disable CA1001 // _closed is disposed when RunAsync ends, the session's whole life.
internal sealed class RespSession
#pragma warning restore CA1001
{
    /// <summary>Reply buffers larger than this (bytes) are not kept for reuse.</summary>
    private const int MaxKeptReplyBuffer = 16 * 1024;

    /// <summary>
    /// Replies written but not yet handed to the transport past this many bytes are flushed before the next command
    /// runs; the flush waits while the transport's output is over its pause threshold (a client that does not read),
    /// so the session then reads and runs nothing more until the client catches up.
    /// </summary>
    private const int FlushThreshold = 64 * 1024;

    private readonly RespReplyWriter _reply;
    private readonly AsyncLocal<RespReplyWriter?> _pipelinedReply = new();
    private readonly Queue<InFlight> _inFlight = new();
    private readonly Stack<ReplyBuffer> _freeBuffers = new();
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly RespRequestParser _parser;
    private readonly List<byte[][]> _batch = [];
    private readonly CancellationTokenSource _closed;
    private readonly CancellationToken _stopping;
    private readonly Action _abort;
    private bool _resumeBuffered;
    private bool _dropped;

    /// <param name="server">The face's shared state.</param>
    /// <param name="input">The client's bytes.</param>
    /// <param name="output">Where replies go.</param>
    /// <param name="remoteAddress">The client's address (CLIENT INFO).</param>
    /// <param name="localPort">The port the client connected to.</param>
    /// <param name="abort">Drops the connection at once, pending replies included (an output-buffer overrun).</param>
    /// <param name="stopping">Fires when the server stops: the session stops reading, answers what it started and ends.</param>
    public RespSession(RespServer server, PipeReader input, PipeWriter output, string? remoteAddress, int localPort, Action abort, CancellationToken stopping)
    {
        Server = server;
        _input = input;
        _output = output;
        _reply = new RespReplyWriter(output);
        _parser = new RespRequestParser(server.Options);
        Id = server.NextClientId();
        RemoteAddress = remoteAddress;
        LocalPort = localPort;
        _closed = new CancellationTokenSource();
        _stopping = stopping;
        _abort = abort;
        Authenticated = !server.AuthRequired;
        _parser.Authenticated = Authenticated;
        ConnectedAt = server.Time.GetUtcNow();
    }

    public RespServer Server { get; }

    /// <summary>
    /// Where the running command writes its reply: the connection's writer, or the command's own buffer when it was
    /// started ahead of earlier commands' replies (set for the command's whole run, continuations included).
    /// </summary>
    public RespReplyWriter Reply => _pipelinedReply.Value ?? _reply;

    public long Id { get; }

    public string? RemoteAddress { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>The port the client connected to (INFO's <c>tcp_port</c>).</summary>
    public int LocalPort { get; }

    /// <summary>
    /// Fires when the client is found gone while a blocking read waits (its input ended). Not on a half-close
    /// otherwise: a client that sent its commands and shut down its sending side still gets every reply.
    /// </summary>
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

    /// <summary>
    /// Who the connection authenticated as (AUTH, HELLO ... AUTH); every command runs as it
    /// (<see cref="Sluice.Security.SluiceAccess.Enter"/>). <see langword="null"/> before AUTH and when authentication is off.
    /// </summary>
    public Sluice.Security.SluicePrincipal? Principal { get; set; }

    /// <summary>The API key the connection authenticated with, checked again (revocation) at most once a second; <see langword="null"/> otherwise.</summary>
    public string? ApiKey { get; set; }

    /// <summary>When <see cref="ApiKey"/> was last found valid (a <see cref="TimeProvider.GetTimestamp"/> of the server's clock).</summary>
    public long ApiKeyCheckedAt { get; set; }

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

    /// <summary>
    /// Sends the replies written so far (before a blocking wait); waits while the transport's output is over its pause
    /// threshold. Not cancelled by a stop: the host aborts connections that do not drain within its grace period.
    /// </summary>
    public async ValueTask FlushAsync()
    {
        var result = await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
            CloseRequested = true;
    }

    /// <summary>
    /// Runs a blocking wait while watching the connection: the session's reader is idle during a command, so a watcher
    /// reads meanwhile; when the client disconnects (end of input) <see cref="Aborted"/> fires and ends the wait, as
    /// does the server stopping (Redis has no reply for that: the connection closes). Bytes that arrive meanwhile
    /// (pipelined commands) are left in the pipe for the session loop.
    /// </summary>
    public async ValueTask<T> WatchingDisconnectAsync<T>(Func<CancellationToken, ValueTask<T>> wait)
    {
        var watcher = WatchInputAsync();
        try
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(Aborted, _stopping);
            return await wait(ended.Token).ConfigureAwait(false);
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
                    read = await _input.ReadAsync(_stopping).ConfigureAwait(false);
                _resumeBuffered = false;
                var buffer = read.Buffer;
                var error = Parse(buffer, out var consumed, out var more);
                // Left complete commands unparsed (before AUTH): the next read returns them at once.
                _input.AdvanceTo(consumed, more ? consumed : buffer.End);

                foreach (var args in _batch)
                {
                    if (Server.Commands.MayOverlap(this, args))
                    {
                        await StartAsync(args).ConfigureAwait(false);
                    }
                    else
                    {
                        await AnswerAllAsync().ConfigureAwait(false);
                        await Server.Commands.ExecuteAsync(this, args).ConfigureAwait(false);
                    }
                    if (CloseRequested)
                        break;
                    await DrainAsync().ConfigureAwait(false);
                    if (CloseRequested)
                        break;
                }
                _batch.Clear();
                if (_dropped)
                    break;
                if (error is null && !more && !read.IsCompleted && !CloseRequested && _inFlight.Count > 0
                    && MoreInputBuffered(buffer.Slice(consumed).Length))
                {
                    // More commands arrived while these started: start them too before waiting for the commit. Replies
                    // done so far are sent unless the oldest unanswered command writes straight to the connection.
                    AnswerCompleted();
                    if (_inFlight.Count == 0 || _inFlight.Peek().Buffer is not null)
                        await FlushAsync().ConfigureAwait(false);
                    continue;
                }
                await AnswerAllAsync().ConfigureAwait(false);
                if (error is not null)
                {
                    _reply.Error(error);
                    CloseRequested = true;
                }
                await FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted && !more)
                    break; // (a canceled read only ends a disconnect watch: carry on)
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The server is stopping: read nothing more, answer what was started, then close.
            await FinishAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The client went away while a blocking read waited.
        }
        catch (ConnectionResetException)
        {
            // The client went away.
        }
        finally
        {
            await AbandonAsync().ConfigureAwait(false);
            _batch.Clear();
            _closed.Dispose();
        }
    }

    /// <summary>
    /// Bounds the replies waiting for the transport: past <see cref="FlushThreshold"/> unflushed bytes they are flushed
    /// (waiting while the client does not read, so nothing more is read or run meanwhile); past
    /// <see cref="RespOptions.MaxOutputBufferBytes"/> (one command's reply larger than that) the connection is dropped,
    /// logged, as Redis does past <c>client-output-buffer-limit</c>.
    /// </summary>
    private async ValueTask DrainAsync()
    {
        if (_output.CanGetUnflushedBytes && _output.UnflushedBytes < FlushThreshold)
            return;
        // A command started ahead that writes straight to the connection may still be writing: let it finish first.
        if (_inFlight.TryPeek(out var oldest) && oldest.Buffer is null)
            await AnswerOldestAsync().ConfigureAwait(false);
        var pending = _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;
        if (pending > Server.Options.MaxOutputBufferBytes)
        {
            RespLog.OutputBufferOverrun(Server.Logger, Id, RemoteAddress, pending, Server.Options.MaxOutputBufferBytes);
            CloseRequested = true;
            _dropped = true;
            _abort();
            return;
        }
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The server stops: waits for the commands started, writes their replies and sends them (failures ignored).</summary>
    private async ValueTask FinishAsync()
    {
        try
        {
            await AnswerAllAsync().ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Stopping: a connection that cannot take its last replies is closed anyway.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Whether bytes arrived beyond the <paramref name="leftover"/> (an incomplete command) already seen; leaves them for
    /// the next read, which then returns at once.
    /// </summary>
    private bool MoreInputBuffered(long leftover)
    {
        if (!_input.TryRead(out var peek))
            return false;
        var more = !peek.IsCanceled && !peek.IsCompleted && peek.Buffer.Length > leftover;
        _input.AdvanceTo(peek.Buffer.Start, more ? peek.Buffer.Start : peek.Buffer.End);
        return more;
    }

    /// <summary>
    /// Starts a command that may overlap (see <see cref="RespCommandTable.MayOverlap"/>) without waiting for the
    /// commands before it: its broker call is issued now, behind theirs, and its reply goes to a buffer of its own
    /// until every earlier reply is written. With nothing unanswered ahead it writes straight to the connection.
    /// Past <see cref="RespOptions.MaxCommandsInFlight"/> unanswered commands it first waits for the oldest.
    /// </summary>
    private async ValueTask StartAsync(byte[][] args)
    {
        AnswerCompleted();
        if (_inFlight.Count >= Server.Options.MaxCommandsInFlight)
            await AnswerOldestAsync().ConfigureAwait(false);
        if (!Server.Broker.TryHoldStreamsShared())
        {
            // A stream transaction runs or waits: the commands before this one finish first, so that this one's store
            // call, issued once the gate is taken, still comes after theirs.
            await AnswerAllAsync().ConfigureAwait(false);
            await Server.Broker.HoldStreamsSharedAsync(Aborted).ConfigureAwait(false);
        }
        if (_inFlight.Count == 0)
        {
            var direct = Held(args);
            if (direct.IsCompleted)
                direct.GetAwaiter().GetResult();
            else
                _inFlight.Enqueue(new InFlight(null, direct));
            return;
        }

        var buffer = _freeBuffers.Count > 0 ? _freeBuffers.Pop() : new ReplyBuffer();
        buffer.Writer.Protocol = _reply.Protocol;
        _pipelinedReply.Value = buffer.Writer;
        ValueTask run;
        try
        {
            run = Held(args);
        }
        finally
        {
            _pipelinedReply.Value = null;
        }
        _inFlight.Enqueue(new InFlight(buffer, run));
    }

    /// <summary>
    /// Runs a command inside the shared hold of the broker's stream gate taken for it (released when it ends). The gate
    /// is taken here, in command order, before the command's broker call is issued, so that a call that had to wait for
    /// it cannot be overtaken by a later command's call.
    /// </summary>
    private ValueTask Held(byte[][] args) =>
        Server.Broker.RunHoldingStreamsAsync((Session: this, Args: args), static c => c.Session.Server.Commands.ExecuteAsync(c.Session, c.Args));

    /// <summary>Writes the replies of the oldest unanswered commands that are already done, in order, without waiting.</summary>
    private void AnswerCompleted()
    {
        while (_inFlight.TryPeek(out var oldest) && oldest.Run.IsCompleted)
        {
            _inFlight.Dequeue();
            oldest.Run.GetAwaiter().GetResult();
            Emit(oldest.Buffer);
        }
    }

    /// <summary>Waits for the oldest unanswered command and writes its reply.</summary>
    private async ValueTask AnswerOldestAsync()
    {
        var oldest = _inFlight.Dequeue();
        await oldest.Run.ConfigureAwait(false);
        Emit(oldest.Buffer);
    }

    /// <summary>Waits for every unanswered command and writes their replies in order.</summary>
    private async ValueTask AnswerAllAsync()
    {
        while (_inFlight.Count > 0)
            await AnswerOldestAsync().ConfigureAwait(false);
    }

    /// <summary>Copies a buffered reply to the connection and keeps the buffer for reuse (a large one is dropped).</summary>
    private void Emit(ReplyBuffer? buffer)
    {
        if (buffer is null)
            return;
        _reply.Raw(buffer.Bytes.WrittenSpan);
        if (buffer.Bytes.Capacity <= MaxKeptReplyBuffer)
        {
            buffer.Bytes.ResetWrittenCount();
            _freeBuffers.Push(buffer);
        }
    }

    /// <summary>
    /// The connection ends with commands unanswered (the client left, or a command failed unexpectedly): waits for each
    /// so none is left running against this session and no failure goes unobserved. Their replies are dropped: a
    /// write that was never answered may or may not have been stored, as after any lost connection.
    /// </summary>
    private async ValueTask AbandonAsync()
    {
        while (_inFlight.TryDequeue(out var command))
        {
            try
            {
                await command.Run.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The connection is gone: a late failure has no one to be reported to.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>
    /// Parses the complete commands in <paramref name="buffer"/> into the batch; returns a protocol error, if any. While
    /// the connection is not authenticated it parses one command only (<paramref name="more"/>: bytes are left), so the
    /// commands after an AUTH are parsed with the limits in force once it ran, as Redis parses and runs one at a time.
    /// </summary>
    private string? Parse(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool more)
    {
        var reader = new SequenceReader<byte>(buffer);
        string? error = null;
        more = false;
        while (true)
        {
            var status = _parser.TryParse(ref reader, out var args, out error);
            if (status != ParseStatus.Command)
                break;
            _batch.Add(args!);
            if (!Authenticated)
            {
                more = !reader.End;
                break;
            }
        }
        consumed = error is null ? reader.Position : buffer.End;
        return error;
    }

    /// <summary>A command started ahead: its run, and the buffer its reply goes to (<see langword="null"/>: straight to the connection).</summary>
    private readonly record struct InFlight(ReplyBuffer? Buffer, ValueTask Run);

    /// <summary>A reply buffer of one pipelined command, reused by later ones.</summary>
    private sealed class ReplyBuffer
    {
        public ReplyBuffer() => Writer = new RespReplyWriter(Bytes);

        public ArrayBufferWriter<byte> Bytes { get; } = new(256);

        public RespReplyWriter Writer { get; }
    }
}
