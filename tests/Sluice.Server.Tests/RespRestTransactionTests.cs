using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests;

/// <summary>A server with both faces on: WATCH on the RESP face sees appends made through REST.</summary>
public sealed class RespRestFixture : ServerFixture
{
    protected override SluiceServerOptions CreateOptions() => base.CreateOptions() with
    {
        Resp = new Sluice.Faces.Resp.RespOptions { Enabled = true, Url = "tcp://127.0.0.1:0" },
    };
}

public class RespRestTransactionTests(RespRestFixture fixture) : RestTests(fixture), IClassFixture<RespRestFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Exec_WatchedStreamAppendedThroughRest_AbortsOnlyWhenThatStreamWasWritten(bool sameStream)
    {
        var stream = NewName("s");
        var address = Server.RespAddress!;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var net = client.GetStream();
        using var reader = new StreamReader(net, Encoding.UTF8);

        Assert.Equal("+OK", await RawResp.CommandAsync(net, reader, "WATCH", stream));
        using (var response = await PostAsync($"/v1/streams/{(sameStream ? stream : NewName("other"))}/entries", """{"fields":{"by":"rest"}}"""))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("+OK", await RawResp.CommandAsync(net, reader, "MULTI"));
        Assert.Equal("+QUEUED", await RawResp.CommandAsync(net, reader, "XADD", stream, "*", "by", "resp"));

        var exec = await RawResp.CommandAsync(net, reader, "EXEC");

        Assert.Equal(sameStream ? "*-1" : "*1", exec);
        if (!sameStream)
        {
            await reader.ReadLineAsync(); // the new id: its length, then itself
            await reader.ReadLineAsync();
        }
        var length = (await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}")).GetProperty("length").GetInt64();
        Assert.Equal(1, length);
    }
}
