using System.Net.Sockets;
using System.Text;

namespace Sluice.Server.Tests;

/// <summary>A RESP client in a few lines, for tests that need the exact reply text.</summary>
internal static class RawResp
{
    /// <summary>Sends one command (an array of bulk strings) and returns the first line of its reply.</summary>
    public static async Task<string> CommandAsync(NetworkStream stream, StreamReader reader, params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadLineAsync(timeout.Token) ?? "<closed>";
    }
}
