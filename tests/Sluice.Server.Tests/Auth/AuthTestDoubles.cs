using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.InMemory;
using Sluice.Security;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// An in-memory <see cref="ICredentialStore"/> for the faces' authentication tests (shared by the Server, gRPC and RESP
/// test projects): an administrator and a key restricted to <c>orders-*</c>, as API keys and as SigV4 pairs.
/// </summary>
internal sealed class TestCredentialStore : ICredentialStore
{
    public const string AdminKey = "sk-test-admin-0123456789";
    public const string OrdersKey = "sk-test-orders-0123456789";
    public const string AdminKeyId = "AKIDTESTADMIN";
    public const string AdminSecret = "admin-secret";
    public const string OrdersKeyId = "AKIDTESTORDERS";
    public const string OrdersSecret = "orders-secret";

    /// <summary>The restricted principal's pattern: everything on <c>orders-*</c>, nothing elsewhere.</summary>
    public const string OrdersPattern = "orders-*";

    public static readonly SluicePrincipal Admin = SluicePrincipal.Administrator("key-admin", "admin");
    public static readonly SluicePrincipal Orders = new("key-orders", "orders", [new AccessGrant(OrdersPattern, SluicePermissions.All)]);

    private readonly Dictionary<string, SluicePrincipal> _apiKeys = new(StringComparer.Ordinal)
    {
        [AdminKey] = Admin,
        [OrdersKey] = Orders,
    };

    private readonly Dictionary<string, SigV4Credential> _sigV4 = new(StringComparer.Ordinal)
    {
        [AdminKeyId] = new(AdminSecret, Admin),
        [OrdersKeyId] = new(OrdersSecret, Orders),
    };

    public bool Required { get; init; } = true;

    public ValueTask<SluicePrincipal?> AuthenticateApiKeyAsync(string apiKey, CancellationToken cancellationToken)
    {
        lock (_apiKeys)
        {
            return new(_apiKeys.GetValueOrDefault(apiKey));
        }
    }

    public ValueTask<SigV4Credential?> FindSigV4Async(string accessKeyId, CancellationToken cancellationToken) =>
        new(_sigV4.GetValueOrDefault(accessKeyId));

    /// <summary>
    /// Registers the double, and a broker whose store checks each call against the principal of the request (the
    /// contract's <see cref="SluiceAccess.Demand"/>), so a face's tests see the principal it entered reach the broker.
    /// </summary>
    /// <summary>Revokes an API key: it authenticates nothing from then on.</summary>
    public void Revoke(string apiKey)
    {
        lock (_apiKeys)
        {
            _apiKeys.Remove(apiKey);
        }
    }

    public static void AddTo(IServiceCollection services) => AddWith(new TestCredentialStore())(services);

    /// <summary>As <see cref="AddTo"/>, with <paramref name="store"/> as the credential store (to revoke its keys).</summary>
    public static Action<IServiceCollection> AddWith(TestCredentialStore store) => services =>
    {
        services.AddSingleton<ICredentialStore>(store);
        services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            return new Broker(new DemandingStore(new InMemoryMessageStore(time)), null, time);
        }));
    };
}

/// <summary>
/// A store that demands, before each call, the permission <see cref="SluiceAccess"/> states for it (publish, consume,
/// admin) on the queue or stream it names: a stand-in for the broker's own checks, for the faces' tests.
/// </summary>
internal sealed class DemandingStore(IQueueStore inner) : DelegatingStreamStore(inner)
{
    public override ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        return base.CreateQueueAsync(name, options, cancellationToken);
    }

    public override ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        return base.DeleteQueueAsync(name, cancellationToken);
    }

    public override ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        return base.PurgeAsync(queue, cancellationToken);
    }

    public override ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, queue);
        return base.PublishAsync(queue, messages, cancellationToken);
    }

    public override ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        return base.ReceiveAsync(queue, maxMessages, visibilityTimeout, cancellationToken);
    }

    public override ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        return base.AckAsync(queue, receiptHandles, cancellationToken);
    }

    public override ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, stream);
        return base.AppendAsync(stream, fields, options, cancellationToken);
    }

    public override ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        return base.LengthAsync(stream, cancellationToken);
    }

    public override ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        return base.RangeAsync(stream, first, last, count, reverse, cancellationToken);
    }
}
