using System.Buffers.Binary;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>
/// Fencing tokens reserved in blocks, so that a receive can answer before its record is durable. A receive's lease may
/// be lost in a crash (the message comes back, with the receive count it had), but the token it handed out must never
/// be handed out again. The store keeps a durable ceiling above every token issued: when a call issues a token at or
/// above it, a <see cref="RecordType.TokenCeiling"/> record raises it by <see cref="TokenBlock"/>, and every receive
/// waits until the latest such record is durable (nearly always already). At every open the state machine's
/// <see cref="InMemory.InMemoryMessageStore.GenerationFloor"/> is set (by a <see cref="RecordType.TokenFloor"/> record,
/// so replay sets it at the same point) to the durable ceiling: every token issued after the open is above every token
/// issued before it, whether or not its receive survived.
/// </summary>
public sealed partial class LogMessageStore
{
    /// <summary>Tokens reserved per ceiling record.</summary>
    private const int TokenBlock = 1024;

    private int _tokenCeiling;
    private LogPosition _ceilingEnd;

    /// <summary>Under the lock, inside a call: raises the ceiling when the call issued a token at or above it. Returns the record's end, or <paramref name="end"/>.</summary>
    private LogPosition RaiseTokenCeiling(SegmentLog log, LogPosition end)
    {
        var max = _state.MaxGeneration;
        if (max < _tokenCeiling)
        {
            return end;
        }

        return AppendTokenRecord(log, RecordType.TokenCeiling, checked(max + TokenBlock));
    }

    /// <summary>Under the lock: appends a token record (the frozen or current time, then the value) and applies it.</summary>
    private LogPosition AppendTokenRecord(SegmentLog log, RecordType type, int value)
    {
        Span<byte> payload = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(payload, _clock.GetUtcNow().UtcTicks);
        BinaryPrimitives.WriteInt32LittleEndian(payload[8..], value);
        log.Reserve(payload.Length, LogSpace.Drain);
        var end = log.Append((byte)type, payload);
        NoteAppended(log, payload.Length);
        ApplyTokenRecord(type, value);
        if (type == RecordType.TokenCeiling)
        {
            _ceilingEnd = end;
        }

        return end;
    }

    /// <summary>Applies a token record, live and in replay.</summary>
    private void ApplyTokenRecord(RecordType type, int value)
    {
        if (type == RecordType.TokenCeiling)
        {
            _tokenCeiling = Math.Max(_tokenCeiling, value);
        }
        else
        {
            _state.GenerationFloor = value;
        }
    }

    /// <summary>At open, after replay: every later token goes above every token issued before (floor), with a fresh block reserved above it.</summary>
    private LogPosition StartTokenEpoch(SegmentLog log)
    {
        var floor = Math.Max(_tokenCeiling, _state.MaxGeneration + 1);
        AppendTokenRecord(log, RecordType.TokenFloor, floor);
        return AppendTokenRecord(log, RecordType.TokenCeiling, checked(floor + TokenBlock));
    }

    /// <summary>The end of the latest ceiling record: a receive answers only once it is durable.</summary>
    private LogPosition CeilingEnd()
    {
        lock (_lock)
        {
            return _ceilingEnd;
        }
    }
}
