namespace Sluice.DeadLetters;

/// <summary>
/// Counts the most frequent keys of a stream in bounded memory with the Space-Saving algorithm (Metwally, Agrawal and
/// El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data Streams", ICDT 2005): at most
/// <c>capacity</c> keys are tracked; when a new key arrives and all slots are taken, the key with the smallest count is
/// replaced, and the newcomer inherits that count (plus one) as an over-estimate whose bound is kept in
/// <see cref="Entry.Overcount"/>. Guarantees: every key seen more than <c>total / capacity</c> times is tracked, and a
/// tracked key's true count lies in [<see cref="Entry.Count"/> − <see cref="Entry.Overcount"/>, <see cref="Entry.Count"/>].
/// Each <see cref="Add"/> costs O(log capacity).
/// </summary>
/// <typeparam name="T">What is kept per tracked key (its details); a replaced key's value is dropped.</typeparam>
internal sealed class SpaceSaving<T>
    where T : class
{
    private readonly int _capacity;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<Entry> _byCount = new(Comparer<Entry>.Create(static (a, b) =>
        a.Count != b.Count ? a.Count.CompareTo(b.Count) : string.CompareOrdinal(a.Key, b.Key)));

    /// <summary>Creates a counter tracking at most <paramref name="capacity"/> keys (at least 1).</summary>
    public SpaceSaving(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>How many keys are tracked.</summary>
    public int Count => _entries.Count;

    /// <summary>Occurrences counted for keys that were later replaced (carried into their replacements' over-estimates).</summary>
    public long Evicted { get; private set; }

    /// <summary>The tracked keys, in no particular order.</summary>
    public IEnumerable<Entry> Entries => _entries.Values;

    /// <summary>Counts one occurrence of <paramref name="key"/>; returns its entry (a new one made with <paramref name="create"/> when it was not tracked).</summary>
    public Entry Add(string key, Func<T> create)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            _byCount.Remove(entry);
            entry.Count++;
            _byCount.Add(entry);
            return entry;
        }

        long inherited = 0;
        if (_entries.Count == _capacity)
        {
            var smallest = _byCount.Min!;
            _byCount.Remove(smallest);
            _entries.Remove(smallest.Key);
            inherited = smallest.Count;
            Evicted += smallest.Count;
        }

        entry = new Entry(key, create()) { Count = inherited + 1, Overcount = inherited };
        _entries.Add(key, entry);
        _byCount.Add(entry);
        return entry;
    }

    /// <summary>A tracked key and its details.</summary>
    public sealed class Entry(string key, T value)
    {
        /// <summary>The key.</summary>
        public string Key => key;

        /// <summary>Its details.</summary>
        public T Value => value;

        /// <summary>Its count: exact when <see cref="Overcount"/> is 0, else at most this.</summary>
        public long Count { get; set; }

        /// <summary>By how much <see cref="Count"/> may exceed the true count (what it inherited from the key it replaced); 0 means exact.</summary>
        public long Overcount { get; init; }
    }
}
