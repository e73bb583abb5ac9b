using Sluice.DeadLetters;

namespace Sluice.Core.Tests;

/// <summary>The heavy-hitters counter behind dead-letter group listings.</summary>
public class SpaceSavingTests
{
    [Fact]
    public void Add_LongTailOfUniqueKeysFirst_LargestKeyStillTrackedWithBoundedCount()
    {
        var counter = new SpaceSaving<string>(10);
        for (var i = 0; i < 100; i++)
        {
            counter.Add($"unique{i}", () => "tail");
        }

        for (var i = 0; i < 30; i++)
        {
            counter.Add("big", () => "big");
        }

        var top = counter.Entries.MaxBy(e => e.Count)!;
        Assert.Equal("big", top.Key);
        Assert.InRange(30, top.Count - top.Overcount, top.Count);
        Assert.True(top.Overcount > 0);
        Assert.Equal(10, counter.Count);
        Assert.True(counter.Evicted > 0);
    }

    [Fact]
    public void Add_FewerKeysThanCapacity_ExactCounts()
    {
        var counter = new SpaceSaving<string>(10);
        foreach (var key in new[] { "a", "b", "a", "c", "a", "b" })
        {
            counter.Add(key, () => key);
        }

        Assert.Equal([("a", 3L, 0L), ("b", 2L, 0L), ("c", 1L, 0L)],
            counter.Entries.OrderByDescending(e => e.Count).Select(e => (e.Key, e.Count, e.Overcount)));
        Assert.Equal(0, counter.Evicted);
    }

    [Fact]
    public void Add_AnyKeyAboveTotalOverCapacity_AlwaysTracked()
    {
        // 4 slots, 200 occurrences: a key seen more than 50 times must survive any order.
        var counter = new SpaceSaving<string>(4);
        var stream = Enumerable.Range(0, 149).Select(i => $"k{i}").ToList();
        stream.InsertRange(0, Enumerable.Repeat("heavy", 25));
        stream.AddRange(Enumerable.Repeat("heavy", 26));
        foreach (var key in stream)
        {
            counter.Add(key, () => key);
        }

        var heavy = Assert.Single(counter.Entries, e => e.Key == "heavy");
        Assert.InRange(51, heavy.Count - heavy.Overcount, heavy.Count);
    }
}
