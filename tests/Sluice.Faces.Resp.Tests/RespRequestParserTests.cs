using System.Buffers;
using System.Text;
using Sluice.Faces.Resp.Protocol;

namespace Sluice.Faces.Resp.Tests;

public class RespRequestParserTests
{
    private static (List<string[]> Commands, string? Error, long Consumed) Feed(RespRequestParser parser, byte[] input)
    {
        var commands = new List<string[]>();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(input));
        while (true)
        {
            var status = parser.TryParse(ref reader, out var args, out var error);
            if (status == ParseStatus.Command)
            {
                commands.Add(args!.Select(a => Encoding.UTF8.GetString(a)).ToArray());
                continue;
            }
            return (commands, error, reader.Consumed);
        }
    }

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void TryParse_PipelinedArrays_ReturnsEachCommandInOrder()
    {
        var (commands, error, consumed) = Feed(new RespRequestParser(new RespOptions()),
            B("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*3\r\n$3\r\nSET\r\n$0\r\n\r\n$1\r\nx\r\n"));
        Assert.Null(error);
        Assert.Equal(3, commands.Count);
        Assert.Equal(["PING"], commands[0]);
        Assert.Equal(["ECHO", "hello"], commands[1]);
        Assert.Equal(["SET", "", "x"], commands[2]);
        Assert.Equal(consumed, B("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*3\r\n$3\r\nSET\r\n$0\r\n\r\n$1\r\nx\r\n").Length);
    }

    [Fact]
    public void TryParse_InputFedOneByteAtATime_ParsesTheSameCommands()
    {
        var input = B("*3\r\n$4\r\nXADD\r\n$6\r\norders\r\n$10\r\n0123456789\r\nPING inline\r\n");
        var parser = new RespRequestParser(new RespOptions());
        var commands = new List<string[]>();
        var pending = new List<byte>();
        foreach (var b in input)
        {
            pending.Add(b);
            var (got, error, consumed) = Feed(parser, [.. pending]);
            Assert.Null(error);
            commands.AddRange(got);
            pending.RemoveRange(0, (int)consumed);
        }
        Assert.Equal(2, commands.Count);
        Assert.Equal(["XADD", "orders", "0123456789"], commands[0]);
        Assert.Equal(["PING", "inline"], commands[1]);
    }

    [Fact]
    public void TryParse_BulkDataArrivingInPieces_IsConsumedAsItArrives()
    {
        // Bulk bytes are copied out as they come, so the input never has to hold a whole argument.
        var parser = new RespRequestParser(new RespOptions());
        var (commands, _, consumed) = Feed(parser, B("*2\r\n$4\r\nECHO\r\n$100000\r\n" + new string('a', 50_000)));
        Assert.Empty(commands);
        Assert.Equal(B("*2\r\n$4\r\nECHO\r\n$100000\r\n").Length + 50_000, consumed);
        (commands, _, _) = Feed(parser, B(new string('b', 50_000) + "\r\n"));
        Assert.Single(commands);
        Assert.Equal(100_000, commands[0][1].Length);
    }

    [Theory]
    [InlineData("PING\r\n", new[] { "PING" })]
    [InlineData("PING\n", new[] { "PING" })]
    [InlineData("  echo   \"a b\\n\\x41\"  'it\\'s'\r\n", new[] { "echo", "a b\nA", "it's" })]
    [InlineData("\r\nPING\r\n", new[] { "PING" })]
    public void TryParse_InlineCommand_SplitsLikeRedis(string input, string[] expected)
    {
        var (commands, error, _) = Feed(new RespRequestParser(new RespOptions()), B(input));
        Assert.Null(error);
        Assert.Equal(expected, Assert.Single(commands));
    }

    [Theory]
    [InlineData("echo \"abc\r\n", "ERR Protocol error: unbalanced quotes in request")]
    [InlineData("echo \"abc\"x\r\n", "ERR Protocol error: unbalanced quotes in request")]
    [InlineData("*1\r\n$1073741824\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*2000000\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*x\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n+PING\r\n", "ERR Protocol error: expected '$', got '+'")]
    public void TryParse_InvalidInput_ReturnsRedisProtocolError(string input, string expected)
    {
        var (commands, error, _) = Feed(new RespRequestParser(new RespOptions()), B(input));
        Assert.Empty(commands);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_OneGibibyteBulkHeader_RefusedBeforeAnyDataArrives()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (_, error, _) = Feed(new RespRequestParser(new RespOptions()), B("*2\r\n$4\r\nECHO\r\n$1073741824\r\n"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("ERR Protocol error: invalid bulk length", error);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void TryParse_BulkWithinLimitButNoData_AllocatesOnlyWhatArrived()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (commands, error, _) = Feed(new RespRequestParser(new RespOptions()), B("*2\r\n$4\r\nECHO\r\n$16000000\r\n"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(error);
        Assert.Empty(commands);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes for a 16 MB announcement with no data");
    }

    [Fact]
    public void TryParse_SumOfBulksOverMaxRequestBytes_RefusedAsInvalidBulkLength()
    {
        var parser = new RespRequestParser(new RespOptions { MaxBulkLength = 1024, MaxRequestBytes = 2048 });
        var (_, error, _) = Feed(parser, B("*3\r\n$1000\r\n" + new string('a', 1000) + "\r\n$1000\r\n" + new string('a', 1000) + "\r\n$1000\r\n"));
        Assert.Equal("ERR Protocol error: invalid bulk length", error);
    }

    [Fact]
    public void TryParse_LongLineWithoutEnd_RefusedPastInlineLimit()
    {
        var parser = new RespRequestParser(new RespOptions { MaxInlineLength = 1024 });
        var (_, error, _) = Feed(parser, B(new string('a', 2000)));
        Assert.Equal("ERR Protocol error: too big inline request", error);
        (_, error, _) = Feed(new RespRequestParser(new RespOptions { MaxInlineLength = 1024 }), B("*" + new string('1', 2000)));
        Assert.Equal("ERR Protocol error: too big mbulk count string", error);
    }

    [Fact]
    public void TryParse_Unauthenticated_UsesRedisSmallLimits()
    {
        var parser = new RespRequestParser(new RespOptions()) { Authenticated = false };
        Assert.Equal("ERR Protocol error: unauthenticated multibulk length", Feed(parser, B("*11\r\n")).Error);
        parser = new RespRequestParser(new RespOptions()) { Authenticated = false };
        Assert.Equal("ERR Protocol error: unauthenticated bulk length", Feed(parser, B("*2\r\n$4\r\nAUTH\r\n$16385\r\n")).Error);
    }
}
