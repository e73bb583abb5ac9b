using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Sluice.InMemory;

/// <summary>
/// A map from <see langword="long"/> keys to values, enumerated in key order, made for keys that mostly arrive in
/// increasing order (a queue's sequence numbers): entries live in sorted chunks of up to <see cref="ChunkSize"/>
/// (16 bytes an entry, against 56 for a <see cref="SortedDictionary{TKey,TValue}"/> node), an add past the largest key is
/// an append, and a lookup is two binary searches. A chunk that fills up is split; one that falls below a quarter full is
/// merged with a neighbour when they fit in half a chunk, so sparse removals do not leave mostly empty chunks behind.
/// Not thread-safe. Enumerating while the map changes throws <see cref="InvalidOperationException"/>.
/// </summary>
/// <typeparam name="TValue">The values.</typeparam>
internal sealed class SortedChunkMap<TValue> : IEnumerable<KeyValuePair<long, TValue>>
{
    /// <summary>The most entries a chunk holds.</summary>
    public const int ChunkSize = 256;

    private readonly List<Chunk> _chunks = [];
    private int _version;

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>The values in key order.</summary>
    public IEnumerable<TValue> Values => this.Select(static e => e.Value);

    /// <summary>The value of <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is none.</exception>
    public TValue this[long key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no entry has key {key}");

    /// <summary>Whether <paramref name="key"/> has an entry, and its value.</summary>
    public bool TryGetValue(long key, [MaybeNullWhen(false)] out TValue value)
    {
        if (Find(key, out var chunk, out var index))
        {
            value = _chunks[chunk].Values[index];
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The value of <paramref name="key"/>, or the default when there is none.</summary>
    public TValue? GetValueOrDefault(long key) => TryGetValue(key, out var value) ? value : default;

    /// <summary>Adds an entry; O(1) when <paramref name="key"/> is the largest yet, else O(log n) plus a chunk's shift.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> has an entry already.</exception>
    public void Add(long key, TValue value)
    {
        if (!TryAdd(key, value))
        {
            throw new ArgumentException($"key {key} has an entry already", nameof(key));
        }
    }

    /// <summary>Adds an entry unless <paramref name="key"/> has one; returns whether it added.</summary>
    public bool TryAdd(long key, TValue value)
    {
        if (_chunks.Count == 0 || key > _chunks[^1].LastKey)
        {
            _version++;
            if (_chunks.Count == 0 || _chunks[^1].Count == ChunkSize)
            {
                _chunks.Add(new Chunk());
            }

            _chunks[^1].Append(key, value);
            Count++;
            return true;
        }

        var c = ChunkFor(key);
        var chunk = _chunks[c];
        var index = Array.BinarySearch(chunk.Keys, 0, chunk.Count, key);
        if (index >= 0)
        {
            return false;
        }

        _version++;
        index = ~index;
        if (chunk.Count == ChunkSize)
        {
            var upper = chunk.SplitOff();
            _chunks.Insert(c + 1, upper);
            if (index > chunk.Count)
            {
                index -= chunk.Count;
                chunk = upper;
            }
        }

        chunk.Insert(index, key, value);
        Count++;
        return true;
    }

    /// <summary>Removes the entry of <paramref name="key"/>; returns whether there was one.</summary>
    public bool Remove(long key)
    {
        if (!Find(key, out var c, out var index))
        {
            return false;
        }

        _version++;
        var chunk = _chunks[c];
        chunk.RemoveAt(index);
        Count--;
        if (chunk.Count == 0)
        {
            _chunks.RemoveAt(c);
        }
        else if (chunk.Count < ChunkSize / 4)
        {
            MergeWithANeighbour(c);
        }

        return true;
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        _version++;
        _chunks.Clear();
        Count = 0;
    }

    /// <summary>The entries whose key is above <paramref name="key"/>, in key order; O(log n) to the first, found when the enumeration starts.</summary>
    public IEnumerable<KeyValuePair<long, TValue>> After(long key) => From(key);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<long, TValue>> GetEnumerator() => From(null).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The entries above <paramref name="after"/> (all when null), located when the enumeration starts, not before (the map may change in between).</summary>
    private IEnumerable<KeyValuePair<long, TValue>> From(long? after)
    {
        var version = _version;
        int chunk = 0, index = 0;
        if (after is { } key)
        {
            if (_chunks.Count == 0 || key >= _chunks[^1].LastKey)
            {
                yield break;
            }

            chunk = ChunkFor(key + 1);
            var found = Array.BinarySearch(_chunks[chunk].Keys, 0, _chunks[chunk].Count, key + 1);
            index = found >= 0 ? found : ~found;
        }

        for (var c = chunk; c < _chunks.Count; c++, index = 0)
        {
            var ch = _chunks[c];
            for (var i = index; i < ch.Count; i++)
            {
                yield return new KeyValuePair<long, TValue>(ch.Keys[i], ch.Values[i]);
                if (version != _version)
                {
                    throw new InvalidOperationException("the map changed while it was enumerated");
                }
            }
        }
    }

    private bool Find(long key, out int chunk, out int index)
    {
        chunk = index = -1;
        if (_chunks.Count == 0 || key > _chunks[^1].LastKey)
        {
            return false;
        }

        chunk = ChunkFor(key);
        var ch = _chunks[chunk];
        index = Array.BinarySearch(ch.Keys, 0, ch.Count, key);
        return index >= 0;
    }

    /// <summary>The first chunk whose last key is at least <paramref name="key"/> (there must be one).</summary>
    private int ChunkFor(long key)
    {
        int lo = 0, hi = _chunks.Count - 1;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_chunks[mid].LastKey < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void MergeWithANeighbour(int c)
    {
        var chunk = _chunks[c];
        if (c + 1 < _chunks.Count && chunk.Count + _chunks[c + 1].Count <= ChunkSize / 2)
        {
            chunk.AppendAll(_chunks[c + 1]);
            _chunks.RemoveAt(c + 1);
        }
        else if (c > 0 && _chunks[c - 1].Count + chunk.Count <= ChunkSize / 2)
        {
            _chunks[c - 1].AppendAll(chunk);
            _chunks.RemoveAt(c);
        }
    }

    private sealed class Chunk
    {
        // Grown by doubling up to ChunkSize, so a queue of a few messages does not take a whole chunk's memory.
        public long[] Keys { get; private set; } = new long[4];

        public TValue[] Values { get; private set; } = new TValue[4];

        public int Count { get; private set; }

        public long LastKey => Keys[Count - 1];

        public void Append(long key, TValue value)
        {
            Room(Count + 1);
            Keys[Count] = key;
            Values[Count] = value;
            Count++;
        }

        public void Insert(int index, long key, TValue value)
        {
            Room(Count + 1);
            Array.Copy(Keys, index, Keys, index + 1, Count - index);
            Array.Copy(Values, index, Values, index + 1, Count - index);
            Keys[index] = key;
            Values[index] = value;
            Count++;
        }

        public void RemoveAt(int index)
        {
            Count--;
            Array.Copy(Keys, index + 1, Keys, index, Count - index);
            Array.Copy(Values, index + 1, Values, index, Count - index);
            Values[Count] = default!;
        }

        /// <summary>Moves the upper half of this (full) chunk into a new chunk and returns it.</summary>
        public Chunk SplitOff()
        {
            var upper = new Chunk();
            var keep = Count / 2;
            upper.Room(Count - keep);
            upper.Count = Count - keep;
            Array.Copy(Keys, keep, upper.Keys, 0, upper.Count);
            Array.Copy(Values, keep, upper.Values, 0, upper.Count);
            Array.Clear(Values, keep, upper.Count);
            Count = keep;
            return upper;
        }

        /// <summary>Appends every entry of <paramref name="next"/> (whose keys are all above this chunk's).</summary>
        public void AppendAll(Chunk next)
        {
            Room(Count + next.Count);
            Array.Copy(next.Keys, 0, Keys, Count, next.Count);
            Array.Copy(next.Values, 0, Values, Count, next.Count);
            Count += next.Count;
        }

        private void Room(int count)
        {
            if (count > Keys.Length)
            {
                var capacity = Math.Min(ChunkSize, Math.Max(count, Keys.Length * 2));
                var keys = Keys;
                var values = Values;
                Array.Resize(ref keys, capacity);
                Array.Resize(ref values, capacity);
                Keys = keys;
                Values = values;
            }
        }
    }
}
