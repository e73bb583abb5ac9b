using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace Sluice.Storage.Log.Segments;

public sealed partial class SegmentLog
{
    // identity file: "SLUICEID", version u32 (1), reserved u32, store id (16 bytes), salt u64, XxHash3-64 of the 40 bytes before.
    private const int IdentityBytes = 48;
    private const uint IdentityVersion = 1;

    private static ReadOnlySpan<byte> IdentityMagic => "SLUICEID"u8;

    private const string SalvageHint = "To open it anyway, skipping what cannot be read and losing the records in it, set Salvage " +
                                       "(sluice serve --salvage); or restore the data directory from a backup.";

    private LogRecoveryReport Recover(LogPosition replayFrom, LogRecordHandler replay)
    {
        _fs.CreateDirectory(_segmentsDirectory);
        var identityPath = Path.Combine(_directory, IdentityFileName);
        var numbers = new List<long>();
        foreach (var name in _fs.ListFiles(_segmentsDirectory))
        {
            if (TryParseSegmentFileName(name, out var number))
                numbers.Add(number);
        }

        numbers.Sort();
        if (!_fs.FileExists(identityPath))
            return CreateNew(identityPath, numbers, replayFrom);

        ReadIdentity(identityPath);
        if (numbers.Count == 0)
        {
            throw new LogCorruptException(
                $"the log in '{_directory}' has an identity file but no segments in '{_segmentsDirectory}': its segments were deleted, so every record is gone. " +
                "Restore the data directory from a backup, or delete the directory to start an empty store.");
        }

        var findings = new List<string>();
        for (var i = 1; i < numbers.Count; i++)
        {
            if (numbers[i] == numbers[i - 1] + 1)
                continue;
            var missing = $"log segment '{SegmentPath(numbers[i - 1] + 1)}' is missing (the segments present run from {numbers[0]} to {numbers[^1]} with a gap after {numbers[i - 1]})";
            if (!_options.Salvage)
                throw new LogCorruptException($"{missing}: the records in it are gone. {SalvageHint}");
            findings.Add($"{missing}: its records are lost (salvage)");
        }

        foreach (var number in numbers)
        {
            var file = _fs.Open(SegmentPath(number), create: false);
            var segment = new Segment(number, SegmentPath(number), file) { Capacity = Math.Max(_options.SegmentBytes, file.Length) };
            segment.End = file.Length;
            _segments.Add(number, segment);
        }

        var start = replayFrom;
        if (start.Segment < numbers[0] || !_segments.ContainsKey(start.Segment))
        {
            var gone = $"recovery must replay the log from segment {start.Segment} offset {start.Offset} (the newest checkpoint's position, or the start of a log without one), " +
                       $"but segment '{SegmentPath(start.Segment)}' is missing (the log starts at segment {numbers[0]})";
            if (!_options.Salvage || start.Segment > numbers[^1])
                throw new LogCorruptException($"{gone}: the records in it are gone. {SalvageHint}");
            findings.Add($"{gone}: its records are lost (salvage)");
            start = new LogPosition(numbers.First(n => n > start.Segment), 0);
        }

        if (start.Offset > _segments[start.Segment].End)
        {
            throw new LogCorruptException(
                $"recovery must replay the log from segment {start.Segment} offset {start.Offset} (the newest checkpoint's position), but '{SegmentPath(start.Segment)}' " +
                $"ends at {_segments[start.Segment].End} bytes: the log lost records that the checkpoint covers. Restore the data directory from a backup.");
        }

        var (tail, records, cut, read) = Scan(start, replay, findings);
        _current = _segments[tail.Segment];
        _current.End = tail.Offset;
        _current.FromReserve = _fs.AvailableBytes(_segmentsDirectory) < ReserveBytes;
        _tail = _written = _durable = _inflightEnd = tail;
        return new LogRecoveryReport { RecordsReplayed = records, SegmentsRead = read, BytesCut = cut, Findings = findings };
    }

    /// <summary>Replays from <paramref name="start"/> to the end; cuts a torn tail; throws on (or, salvaging, skips) damage followed by valid records.</summary>
    private (LogPosition Tail, long Records, long Cut, int Read) Scan(LogPosition start, LogRecordHandler replay, List<string> findings)
    {
        var order = _segments.Keys.ToList();
        var index = order.IndexOf(start.Segment);
        var offset = start.Offset;
        long records = 0;
        var read = 0;
        long lastRead = 0;
        while (true)
        {
            var segment = _segments[order[index]];
            if (segment.Number != lastRead)
                read++;
            lastRead = segment.Number;
            string? problem = null;
            var continued = false;
            using (var reader = new SegmentReader(segment.File))
            {
                while (offset < reader.Length)
                {
                    if (!TryReadRecord(reader, segment.Number, offset, out var type, out var payload, out problem))
                        break;
                    continued = type == ContinuationType;
                    if (!continued)
                    {
                        replay(new LogPosition(segment.Number, offset), type, payload);
                        records++;
                    }

                    offset += HeaderBytes + payload.Length;
                }
            }

            if (problem is null)
            {
                if (index == order.Count - 1)
                    return (CheckNotContinued(segment, offset, continued, findings), records, 0, read);
                index++;
                offset = 0;
                continue;
            }

            var found = FindRecord(order, index, offset + 1);
            if (found is not { } next)
            {
                var cut = CutTail(order, index, offset);
                if (cut > 0)
                {
                    findings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"cut {cut} bytes at the tail of the log, from '{segment.Path}' offset {offset} ({problem}): the end of a write that a crash or power loss left unfinished (never reported durable), or damage to the last record itself, which recovery cannot tell apart: if the disk may be failing, check the last operations before the crash"));
                }

                // A continuation followed by segments without a valid record (cut above) lost nothing: the log goes on after it.
                var wasLast = index == order.Count - 1;
                return (CheckNotContinued(segment, offset, continued && wasLast, findings), records, cut, read);
            }

            var where = next.Index == index ? $"offset {next.Offset}" : $"'{_segments[order[next.Index]].Path}' offset {next.Offset}";
            if (!_options.Salvage)
            {
                throw new LogCorruptException(
                    $"log segment '{segment.Path}' is damaged at offset {offset}: {problem}, and valid records follow at {where}, so this is damage in the middle of the log, " +
                    $"not an unfinished write at its end. The log cannot be replayed past it. {SalvageHint}");
            }

            findings.Add($"skipped damaged bytes in '{segment.Path}' from offset {offset} ({problem}) to {where} (salvage): the records in them are lost");
            index = next.Index;
            offset = next.Offset;
        }
    }

    /// <summary>
    /// The tail, when the last segment present does not end with a continuation record: one that does was followed by a
    /// segment that is gone (deleted, or lost with its directory), with every record in it. Salvaging, the log goes on
    /// in the last segment present.
    /// </summary>
    private LogPosition CheckNotContinued(Segment last, long end, bool continued, List<string> findings)
    {
        if (continued)
        {
            var missing = $"log segment '{SegmentPath(last.Number + 1)}' is missing: '{last.Path}', the last segment present, ends by naming it as the next one, " +
                          "so the newest segment of the log was deleted or lost";
            if (!_options.Salvage)
                throw new LogCorruptException($"{missing}: the records in it are gone. {SalvageHint}");
            findings.Add($"{missing}: its records are lost (salvage)");
        }

        return new LogPosition(last.Number, end);
    }

    /// <summary>The first valid record at or after <paramref name="from"/> in segment <c>order[index]</c> or any later segment.</summary>
    private (int Index, long Offset)? FindRecord(List<long> order, int index, long from)
    {
        for (var i = index; i < order.Count; i++)
        {
            using var reader = new SegmentReader(_segments[order[i]].File);
            var p = i == index ? from : 0;
            while (p < reader.Length)
            {
                // A record's 16-byte header is never all zeros, so only offsets within 15 bytes before a nonzero byte can start one.
                var nonZero = reader.NextNonZero(p);
                if (nonZero >= reader.Length)
                    break;
                for (var q = Math.Max(p, nonZero - (HeaderBytes - 1)); q <= nonZero; q++)
                {
                    if (TryReadRecord(reader, order[i], q, out _, out _, out _))
                        return (i, q);
                }

                p = nonZero + 1;
            }
        }

        return null;
    }

    /// <summary>Cuts the log at <paramref name="offset"/> of segment <c>order[index]</c>: truncates it there and deletes the later segments (which hold no valid record); returns the bytes cut.</summary>
    private long CutTail(List<long> order, int index, long offset)
    {
        var segment = _segments[order[index]];
        var length = segment.File.Length;
        long cut = length - offset;
        if (length > offset)
        {
            segment.File.SetLength(offset);
            segment.File.Sync();
        }

        segment.End = offset;
        if (length > offset)
        {
            // Truncating gave the preallocated space after the cut back to the file system: the next record opens a
            // new segment (preallocated, and checked against the reserve) rather than growing this file unchecked.
            segment.Capacity = offset;
        }

        var deleted = false;
        for (var i = index + 1; i < order.Count; i++)
        {
            var later = _segments[order[i]];
            cut += later.File.Length;
            later.File.Dispose();
            _segments.Remove(later.Number);
            _fs.Delete(later.Path);
            deleted = true;
        }

        if (deleted)
            _fs.SyncDirectory(_segmentsDirectory);
        return cut;
    }

    private bool TryReadRecord(SegmentReader reader, long segment, long offset, out byte type, out ReadOnlySpan<byte> payload, out string? problem)
    {
        type = 0;
        payload = default;
        var room = reader.Length - offset;
        if (room < HeaderBytes)
        {
            problem = reader.NextNonZero(offset) >= reader.Length
                ? "unwritten (zero) bytes at the end of the file"
                : "a record header cut short by the end of the file";
            return false;
        }

        if (!RecordFrame.TryReadHeader(reader.Get(offset, HeaderBytes), room - HeaderBytes, out var length, out type, out var checksum, out problem))
            return false;
        payload = reader.Get(offset, HeaderBytes + length)[HeaderBytes..];
        if (RecordFrame.Checksum(type, payload, Salt, new LogPosition(segment, offset)) == checksum)
            return true;
        problem = "a record whose checksum does not match its contents";
        payload = default;
        return false;
    }

    private LogRecoveryReport CreateNew(string identityPath, List<long> numbers, LogPosition replayFrom)
    {
        foreach (var number in numbers)
        {
            using var file = _fs.Open(SegmentPath(number), create: false);
            if (file.Length > 0)
            {
                throw new LogCorruptException(
                    $"the log in '{_directory}' has segments ('{SegmentPath(number)}' holds {file.Length} bytes) but no identity file ('{identityPath}'): it was deleted, " +
                    "or the directory was assembled from parts. Restore the identity file from a backup, or move the segments away to start an empty store.");
            }
        }

        if (replayFrom != LogPosition.Start)
        {
            throw new LogCorruptException(
                $"recovery must replay the log from segment {replayFrom.Segment} offset {replayFrom.Offset} (the newest checkpoint's position), but the log in '{_directory}' " +
                "is empty (no identity file, no records): the log was deleted while a checkpoint was kept. Restore the data directory from a backup.");
        }

        // Leftovers of a creation that a crash interrupted (empty segments, a temporary identity file).
        foreach (var number in numbers)
            _fs.Delete(SegmentPath(number));
        _fs.Delete(identityPath + ".tmp");

        // The first segment is made durable before the identity file: an identity file always has segments beside it.
        var first = CreateSegment(1, _options.SegmentBytes, LogSpace.Drain);
        _segments.Add(1, first);
        _current = first;
        _fs.SyncDirectory(_segmentsDirectory);
        _fs.SyncDirectory(_directory);

        StoreId = Guid.NewGuid();
        Salt = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        Span<byte> identity = stackalloc byte[IdentityBytes];
        IdentityMagic.CopyTo(identity);
        BinaryPrimitives.WriteUInt32LittleEndian(identity[8..], IdentityVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(identity[12..], 0);
        StoreId.TryWriteBytes(identity[16..]);
        BinaryPrimitives.WriteUInt64LittleEndian(identity[32..], Salt);
        BinaryPrimitives.WriteUInt64LittleEndian(identity[40..], XxHash3.HashToUInt64(identity[..40]));
        var temporary = identityPath + ".tmp";
        using (var file = _fs.Open(temporary, create: true))
        {
            file.Write(0, identity);
            file.Sync();
        }

        _fs.Rename(temporary, identityPath);
        _fs.SyncDirectory(_directory);
        _tail = _written = _durable = _inflightEnd = LogPosition.Start;
        return new LogRecoveryReport();
    }

    private void ReadIdentity(string path)
    {
        Span<byte> identity = stackalloc byte[IdentityBytes];
        int read;
        long length;
        using (var file = _fs.Open(path, create: false))
        {
            length = file.Length;
            read = file.Read(0, identity);
        }

        if (length != IdentityBytes || read != IdentityBytes || !identity[..8].SequenceEqual(IdentityMagic) ||
            BinaryPrimitives.ReadUInt64LittleEndian(identity[40..]) != XxHash3.HashToUInt64(identity[..40]))
        {
            throw new LogCorruptException(
                $"the log's identity file '{path}' is damaged ({length} bytes, expected {IdentityBytes} with a valid checksum): the store's id and salt cannot be read, " +
                "so its records cannot be replayed. Restore the file from a backup of the data directory.");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(identity[8..]);
        if (version != IdentityVersion)
            throw new LogCorruptException($"the log's identity file '{path}' has format version {version}; this version of Sluice reads version {IdentityVersion}: use a matching version of Sluice.");
        StoreId = new Guid(identity.Slice(16, 16));
        Salt = BinaryPrimitives.ReadUInt64LittleEndian(identity[32..]);
    }
}
