using Sluice.Faces.Resp.Internal;

namespace Sluice.Faces.Resp.Commands;

internal static partial class RespCommands
{
    private static IEnumerable<RespCommandSpec> KeyCommands() => [];

    private static IEnumerable<RespCommandSpec> StreamCommands() => [];

    private static ValueTask<long> CountKeysAsync(RespSession s) => ValueTask.FromResult(0L);

    private static ValueTask DeleteAllKeysAsync(RespSession s) => default;
}
