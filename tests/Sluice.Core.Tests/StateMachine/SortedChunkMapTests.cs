using Sluice.InMemory;

namespace Sluice.Core.Tests.StateMachine;

/// <summary>The queue's map by sequence number, against <see cref="SortedDictionary{TKey,TValue}"/> as the model.</summary>
public sealed class SortedChunkMapTests
{
    [Theory]
    [InlineData(1, 0.9)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.1)]
    public void Operations_MostlyIncreasingOrRandomKeys_AgreeWithASortedDictionary(int seed, double appendShare)
    {
        var rng = new Random(seed);
        var map = new SortedChunkMap<string>();
        var model = new SortedDictionary<long, string>();
        long next = 0;
        for (var step = 0; step < 20_000; step++)
        {
            var roll = rng.NextDouble();
            if (roll < 0.55)
            {
                var key = rng.NextDouble() < appendShare ? next += rng.Next(1, 3) : rng.Next(0, (int)next + 10);
                if (model.TryAdd(key, $"v{key}"))
                {
                    map.Add(key, $"v{key}");
                }
                else
                {
                    Assert.Throws<ArgumentException>(() => map.Add(key, "again"));
                }
            }
            else if (roll < 0.95)
            {
                // Removals mostly from the front (acks of the oldest), some anywhere.
                var key = model.Count > 0 && rng.Next(3) > 0 ? model.Keys.First() : rng.Next(0, (int)next + 10);
                Assert.Equal(model.Remove(key), map.Remove(key));
            }
            else
            {
                var probe = rng.Next(-1, (int)next + 10);
                Assert.Equal(model.TryGetValue(probe, out var expected), map.TryGetValue(probe, out var actual));
                Assert.Equal(expected, actual);
                Assert.Equal(model.Where(e => e.Key > probe).Take(50), map.After(probe).Take(50));
            }

            Assert.Equal(model.Count, map.Count);
        }

        Assert.Equal(model, map);
        Assert.Equal(model.Values, map.Values);
    }

    [Fact]
    public void Enumerate_MapChangesMeanwhile_Throws()
    {
        var map = new SortedChunkMap<string>();
        map.Add(1, "a");
        map.Add(2, "b");

        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var (key, _) in map)
            {
                map.Remove(key);
            }
        });
    }

    [Fact]
    public void After_MapChangedBetweenTheCallAndTheEnumeration_SeesTheMapAsItIsWhenEnumerated()
    {
        // After() was located when called: entries removed or added before the enumeration began were skipped or repeated.
        var map = new SortedChunkMap<string>();
        for (var key = 1; key <= 600; key++)
        {
            map.Add(key, $"v{key}");
        }

        var after = map.After(300);
        for (var key = 1; key <= 400; key++)
        {
            map.Remove(key);
        }

        map.Add(0, "v0");

        Assert.Equal(Enumerable.Range(401, 200).Select(k => (long)k), after.Select(e => e.Key));
    }

    [Fact]
    public void Indexer_MissingKey_ThrowsKeyNotFound()
    {
        var map = new SortedChunkMap<string>();
        map.Add(5, "a");

        Assert.Equal("a", map[5]);
        Assert.Throws<KeyNotFoundException>(() => map[4]);
        Assert.Null(map.GetValueOrDefault(6));
    }
}
