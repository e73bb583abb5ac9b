using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Grpc;
using Sluice.Faces.Resp;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// internal_error, unavailable, storage_full and storage_failed from the store, through the gRPC face and the RESP
/// face (real listeners on 127.0.0.1, real clients): the store's own text never reaches the client, an internal error
/// is answered with the face's generic text and logged as an error, a storage failure is answered with its mapped
/// status and logged as a warning with its cause; the refused write changed nothing.
/// </summary>
public sealed class GrpcRespErrorTests : IClassFixture<GrpcRespErrorTests.Fixture>
{
    /// <summary>What a storage engine's text may hold (SQL, a path): it must stay in the server log.</summary>
    private const string Secret = "SELECT secret FROM t";
    private const string GrpcInternalText = "an unexpected error occurred; the request may or may not have taken effect (see the server log)";
    private readonly Fixture _fixture;

    public GrpcRespErrorTests(Fixture fixture) => _fixture = fixture;

    [Fact]
    public async Task GrpcPublish_InternalErrorFromStore_IsInternalWithGenericText_AndLoggedAsErrorWithTheException()
    {
        var queue = FailingStore.Name(ErrorCodes.Internal);

        var error = await Assert.ThrowsAsync<RpcException>(() => _fixture.Messages.PublishAsync(
            new PublishRequest { Queue = queue, Messages = { Text("x") } }).ResponseAsync);

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal(GrpcInternalText, error.Status.Detail);
        Assert.Equal(ErrorCodes.Internal, error.Trailers.GetValue(GrpcErrorTrailers.Code));
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        var thrown = _fixture.Store.Thrown[queue];
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, thrown));
        Assert.Equal(3300, entry.EventId);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("Publish", entry.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Theory]
    [InlineData(ErrorCodes.Unavailable, StatusCode.Unavailable)]
    [InlineData(ErrorCodes.StorageFull, StatusCode.ResourceExhausted)]
    [InlineData(ErrorCodes.StorageFailed, StatusCode.Unavailable)]
    public async Task GrpcPublish_StorageErrorFromStore_IsItsStatusWithItsMessage_AndLoggedAsWarningWithTheCause(string code, StatusCode status)
    {
        var queue = FailingStore.Name(code);

        var error = await Assert.ThrowsAsync<RpcException>(() => _fixture.Messages.PublishAsync(
            new PublishRequest { Queue = queue, Messages = { Text("x") } }).ResponseAsync);

        var thrown = _fixture.Store.Thrown[queue];
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(GrpcErrors.StatusOf(code), error.StatusCode);
        Assert.Equal(thrown.Message, error.Status.Detail);
        Assert.Equal(code, error.Trailers.GetValue(GrpcErrorTrailers.Code));
        Assert.Equal("true", error.Trailers.GetValue(GrpcErrorTrailers.Transient));
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, thrown));
        Assert.Equal(3301, entry.EventId);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains(code, entry.Message, StringComparison.Ordinal);
        Assert.Contains(Secret, entry.Exception!.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task GrpcPublishStream_InternalErrorFromStore_AnswersTheBatchWithGenericText_AndLogsTheException()
    {
        var queue = FailingStore.Name(ErrorCodes.Internal);
        using var call = _fixture.Messages.PublishStream();

        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 1, Queue = queue, Messages = { Text("x") } });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var answer = call.ResponseStream.Current;

        Assert.Equal(1UL, answer.Tag);
        Assert.Empty(answer.Results);
        Assert.Equal(ErrorCodes.Internal, answer.Error.Code);
        Assert.Equal(GrpcInternalText, answer.Error.Message);
        Assert.DoesNotContain(Secret, answer.ToString(), StringComparison.Ordinal);
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, _fixture.Store.Thrown[queue]));
        Assert.Equal(3300, entry.EventId);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Theory]
    [InlineData(ErrorCodes.Unavailable)]
    [InlineData(ErrorCodes.StorageFull)]
    [InlineData(ErrorCodes.StorageFailed)]
    public async Task GrpcPublishStream_StorageErrorFromStore_AnswersTheBatchWithItsMessage_AndLogsTheCause(string code)
    {
        var queue = FailingStore.Name(code);
        using var call = _fixture.Messages.PublishStream();

        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 1, Queue = queue, Messages = { Text("x") } });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var answer = call.ResponseStream.Current;

        var thrown = _fixture.Store.Thrown[queue];
        Assert.Equal(code, answer.Error.Code);
        Assert.Equal(thrown.Message, answer.Error.Message);
        Assert.True(answer.Error.Transient);
        Assert.DoesNotContain(Secret, answer.ToString(), StringComparison.Ordinal);
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, thrown));
        Assert.Equal(3301, entry.EventId);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Same(thrown.InnerException, entry.Exception!.InnerException);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task RespXadd_InternalErrorFromStore_IsErrInternalError_AndLoggedAsErrorWithTheException()
    {
        var stream = FailingStore.Name(ErrorCodes.Internal);

        var (reply, length) = await XaddThenXlenAsync(stream);

        Assert.Equal("-ERR internal error running 'xadd' (see the server log)", reply);
        Assert.DoesNotContain(Secret, reply, StringComparison.Ordinal);
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, _fixture.Store.Thrown[stream]));
        Assert.Equal(3200, entry.EventId);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("xadd", entry.Message, StringComparison.Ordinal);
        Assert.Equal(":0", length);
    }

    [Theory]
    [InlineData(ErrorCodes.Unavailable, "-LOADING Sluice is starting or stopping; retry shortly")]
    [InlineData(ErrorCodes.StorageFull, "-OOM command not allowed when used memory > 'maxmemory'.")]
    [InlineData(ErrorCodes.StorageFailed, "-MISCONF Sluice's storage failed; nothing was written")]
    public async Task RespXadd_StorageErrorFromStore_IsRedisText_AndLoggedAsWarningWithTheCause(string code, string expected)
    {
        var stream = FailingStore.Name(code);

        var (reply, length) = await XaddThenXlenAsync(stream);

        Assert.Equal(expected, reply);
        Assert.DoesNotContain(Secret, reply, StringComparison.Ordinal);
        var thrown = _fixture.Store.Thrown[stream];
        var entry = Assert.Single(_fixture.Logs.Entries, e => ReferenceEquals(e.Exception, thrown));
        Assert.Equal(3202, entry.EventId);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("xadd", entry.Message, StringComparison.Ordinal);
        Assert.Contains(code, entry.Message, StringComparison.Ordinal);
        Assert.Contains(Secret, entry.Exception!.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(":0", length);
    }

    private static Sluice.Grpc.V1.OutgoingMessage Text(string body) => new() { Body = ByteString.CopyFromUtf8(body) };

    /// <summary>Over one new connection: XADD to <paramref name="stream"/>, then XLEN of it; the first line of each reply.</summary>
    private async Task<(string Xadd, string Xlen)> XaddThenXlenAsync(string stream)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_fixture.Resp.EndPoint!);
        var net = client.GetStream();
        using var reader = new StreamReader(net, Encoding.UTF8);
        var xadd = await RawResp.CommandAsync(net, reader, "XADD", stream, "*", "field", "value");
        var xlen = await RawResp.CommandAsync(net, reader, "XLEN", stream);
        return (xadd, xlen);
    }

    /// <summary>A broker over <see cref="FailingStore"/> with the gRPC face and the RESP face on free loopback ports, logging into <see cref="Logs"/>.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private ILoggerFactory _loggerFactory = null!;
        private GrpcHost _grpc = null!;
        private GrpcChannel _channel = null!;

        public ServiceErrorTests.LogSink Logs { get; } = new();

        internal FailingStore Store { get; } = new(new InMemoryMessageStore());

        public Broker Broker { get; private set; } = null!;

        public RespHost Resp { get; private set; } = null!;

        public Messages.MessagesClient Messages => new(_channel);

        public async Task InitializeAsync()
        {
            _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
            Broker = new Broker(Store);
            await Broker.StartAsync();
            foreach (var code in FailingStore.Codes)
            {
                await Broker.CreateQueueAsync(FailingStore.Name(code), new QueueOptions());
            }

            _grpc = new GrpcHost(new GrpcOptions(), "http://127.0.0.1:0", Broker, _loggerFactory);
            await _grpc.StartAsync();
            _channel = GrpcChannel.ForAddress(_grpc.Address!);
            Resp = new RespHost(new RespOptions { Enabled = true, Url = "tcp://127.0.0.1:0" }, Broker, loggerFactory: _loggerFactory);
            await Resp.StartAsync(CancellationToken.None);
        }

        public async Task DisposeAsync()
        {
            _channel.Dispose();
            await Resp.StopAsync(CancellationToken.None);
            await Resp.DisposeAsync();
            await _grpc.DisposeAsync();
            await Broker.DisposeAsync();
            _loggerFactory.Dispose();
        }
    }

    /// <summary>
    /// Publishing to the queue, or appending to the stream, named <see cref="Name"/>(code) fails with that error code
    /// before anything reaches the inner store; <see cref="Thrown"/> keeps the last exception thrown for each name.
    /// The rest passes through.
    /// </summary>
    internal sealed class FailingStore(IQueueStore inner) : DelegatingStreamStore(inner)
    {
        public static readonly string[] Codes = [ErrorCodes.Internal, ErrorCodes.Unavailable, ErrorCodes.StorageFull, ErrorCodes.StorageFailed];

        public ConcurrentDictionary<string, Exception> Thrown { get; } = new(StringComparer.Ordinal);

        public static string Name(string code) => "fails-" + code.Replace('_', '-');

        public override ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            Failure(queue) is { } failure ? throw failure : base.PublishAsync(queue, messages, cancellationToken);

        public override ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default) =>
            Failure(stream) is { } failure ? throw failure : base.AppendAsync(stream, fields, options, cancellationToken);

        private SluiceException? Failure(string name)
        {
            var code = Array.Find(Codes, c => Name(c) == name);
            if (code is null)
            {
                return null;
            }

            // As a storage engine reports it: an internal error may carry its text; a storage error keeps it in the cause.
            var cause = new IOException($"{Secret} failed: /var/lib/sluice/data/segment-00042.log");
            var failure = code switch
            {
                ErrorCodes.Internal => new SluiceException(ErrorCodes.Internal, $"{Secret}: no such column 'secret' in /var/lib/sluice/sluice.db"),
                ErrorCodes.Unavailable => new SluiceException(ErrorCodes.Unavailable, "the store is closed: retry against a running server", null, isTransient: true, cause),
                ErrorCodes.StorageFull => StoreErrors.StorageFull(cause),
                _ => StoreErrors.StorageFailed(cause),
            };
            Thrown[name] = failure;
            return failure;
        }
    }
}
