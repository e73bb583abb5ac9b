using Sluice.Storage;

namespace Sluice;

public sealed partial class Broker
{
    /// <summary>
    /// The store's key-value records including the reserved range (<see cref="KeyValueRules.ReservedPrefix"/>), for
    /// the components of a server that keep their own records there (API keys, the node registry); the key-value
    /// methods of the broker refuse that range. Shared by every broker on the same store (every node of a cluster).
    /// </summary>
    /// <remarks>No permission is checked: no face exposes it; the server's own components decide who may do what.</remarks>
    /// <exception cref="SluiceException">not_supported (the store has no key-value records).</exception>
    public IKeyValueStore SystemRecords => StoreFor<IKeyValueStore>("key-value records");
}
