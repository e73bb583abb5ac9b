namespace Sluice.Storage;

/// <summary>
/// A message body as a store holds it: in memory (<see cref="InMemoryBody"/>), or at a place in a file the store reads
/// it back from on demand (the log-structured store keeps only the position, length and checksum in memory, so a deep
/// backlog does not hold its bodies in RAM). Immutable from the state machine's point of view; shared by every queue a
/// topic publish reached.
/// </summary>
public abstract class StoredBody
{
    /// <summary>The body's length in bytes (what queue byte limits count).</summary>
    public abstract int Length { get; }

    /// <summary>Reads the body.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.StorageFailed"/> when the bytes cannot be read or fail their checksum.</exception>
    public abstract ReadOnlyMemory<byte> Read();
}

/// <summary>A body held in memory.</summary>
/// <param name="bytes">The bytes (not copied: the caller hands them over).</param>
public sealed class InMemoryBody(ReadOnlyMemory<byte> bytes) : StoredBody
{
    /// <inheritdoc />
    public override int Length => bytes.Length;

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> Read() => bytes;
}
