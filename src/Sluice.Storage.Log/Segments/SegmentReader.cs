using System.Buffers;
using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Segments;

/// <summary>Sequential reads of one file through a pooled window (1 MiB, grown for a larger request), for recovery scans.</summary>
internal sealed class SegmentReader : IDisposable
{
    private const int WindowBytes = 1 << 20;
    private readonly IStorageFile _file;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(WindowBytes);
    private long _start;
    private int _count;

    public SegmentReader(IStorageFile file)
    {
        _file = file;
        Length = file.Length;
    }

    /// <summary>The file's length when the reader was made.</summary>
    public long Length { get; }

    /// <summary><paramref name="count"/> bytes at <paramref name="offset"/> (inside <see cref="Length"/>); valid until the next call.</summary>
    public ReadOnlySpan<byte> Get(long offset, int count)
    {
        if (offset >= _start && offset + count <= _start + _count)
            return _buffer.AsSpan((int)(offset - _start), count);
        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        _start = offset;
        _count = _file.Read(offset, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, Length - offset)));
        if (_count < count)
            throw new IOException($"the file ended at {offset + _count} bytes while {count} bytes were read at {offset} (it was {Length} bytes long)");
        return _buffer.AsSpan(0, count);
    }

    /// <summary>The offset of the first byte that is not zero at or after <paramref name="offset"/>, or <see cref="Length"/>.</summary>
    public long NextNonZero(long offset)
    {
        while (offset < Length)
        {
            // The rest of the window when offset is inside it (a scan moves a byte at a time: never re-read per byte).
            var span = offset >= _start && offset < _start + _count
                ? _buffer.AsSpan((int)(offset - _start), (int)(_start + _count - offset))
                : Get(offset, (int)Math.Min(WindowBytes, Length - offset));
            var i = span.IndexOfAnyExcept((byte)0);
            if (i >= 0)
                return offset + i;
            offset += span.Length;
        }

        return Length;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
