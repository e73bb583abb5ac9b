using System.Buffers;
using System.Text;
using Sluice.Faces.Resp.Protocol;

namespace Sluice.Faces.Resp.Tests;

public class RespReplyWriterTests
{
    private static string Write(int protocol, Action<RespReplyWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new RespReplyWriter(buffer) { Protocol = protocol };
        write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Writers_Resp2_UseRedisFallbacks()
    {
        Assert.Equal("+OK\r\n", Write(2, w => w.Ok()));
        Assert.Equal("-ERR bad  thing\r\n", Write(2, w => w.Error("ERR bad\r\nthing")));
        Assert.Equal(":-42\r\n", Write(2, w => w.Integer(-42)));
        Assert.Equal("$3\r\nabc\r\n", Write(2, w => w.Bulk("abc")));
        Assert.Equal("$-1\r\n", Write(2, w => w.Null()));
        Assert.Equal("*-1\r\n", Write(2, w => w.NullArray()));
        Assert.Equal("*4\r\n", Write(2, w => w.Map(2)));
        Assert.Equal("*3\r\n", Write(2, w => w.Set(3)));
        Assert.Equal("$3\r\n1.5\r\n", Write(2, w => w.Double(1.5)));
        Assert.Equal("$2\r\nhi\r\n", Write(2, w => w.Verbatim("hi")));
    }

    [Fact]
    public void Writers_Resp3_UseResp3Types()
    {
        Assert.Equal("_\r\n", Write(3, w => w.Null()));
        Assert.Equal("_\r\n", Write(3, w => w.NullArray()));
        Assert.Equal("%2\r\n", Write(3, w => w.Map(2)));
        Assert.Equal("~3\r\n", Write(3, w => w.Set(3)));
        Assert.Equal(",1.5\r\n", Write(3, w => w.Double(1.5)));
        Assert.Equal("=6\r\ntxt:hi\r\n", Write(3, w => w.Verbatim("hi")));
    }
}
