using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    /// <summary>The channel's calls, each with <c>authorization: Bearer &lt;apiKey&gt;</c> metadata when a key is set.</summary>
    private static CallInvoker Authorized(ChannelBase channel, string? apiKey)
    {
        if (apiKey is null)
        {
            return channel.CreateCallInvoker();
        }

        var value = "Bearer " + apiKey;
        return channel.Intercept(metadata =>
        {
            metadata.Add("authorization", value);
            return metadata;
        });
    }
}
