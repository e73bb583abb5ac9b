using System.Buffers.Text;
using Sluice.Storage;

namespace Sluice.Core.Tests;

public class ReceiptHandleKeyTests
{
    private static readonly QueueInfo Jobs = new("jobs", new QueueOptions(), new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private static readonly ReceiptHandleKey Key = new(Enumerable.Range(1, ReceiptHandleKey.KeySize).Select(i => (byte)i).ToArray());

    [Fact]
    public void Verify_SignedHandle_GivesTheStoreHandleBack()
    {
        var store = ReceiptHandle.Issue(Jobs, 123456789012, 7);

        var signed = Key.Sign(store);

        Assert.Equal(ReceiptHandleKey.TextLength, signed.Length);
        Assert.Equal(ReceiptHandleKey.SignedVersion, Base64Url.DecodeFromChars(signed)[0]);
        Assert.Equal(store, Key.Verify(signed, Jobs).ToString());
        Assert.Equal(new ReceiptHandle(ReceiptHandle.QueueTagOf(Jobs), 123456789012, 7), Key.Verify(signed, Jobs));
    }

    [Theory]
    [InlineData(0)] // the version byte
    [InlineData(1)] // the queue tag
    [InlineData(9)] // the sequence
    [InlineData(16)] // the sequence's low byte
    [InlineData(20)] // the generation's low byte
    [InlineData(21)] // the signature
    [InlineData(38)] // the signature's last byte
    public void Verify_AnyBitFlipped_ReceiptHandleInvalid(int index)
    {
        var signed = Key.Sign(ReceiptHandle.Issue(Jobs, 5, 2));
        for (var bit = 0; bit < 8; bit++)
        {
            var bytes = Base64Url.DecodeFromChars(signed);
            bytes[index] ^= (byte)(1 << bit);

            AssertInvalid(() => Key.Verify(Base64Url.EncodeToString(bytes), Jobs));
        }
    }

    [Fact]
    public void Verify_NextGenerationWithTheOldSignature_ReceiptHandleInvalid()
    {
        // What a guesser who peeked at a message would try: the next fencing token, keeping a signature seen before.
        var seen = Base64Url.DecodeFromChars(Key.Sign(ReceiptHandle.Issue(Jobs, 5, 2)));
        var guessed = Base64Url.DecodeFromChars(Key.Sign(ReceiptHandle.Issue(Jobs, 5, 3)));
        seen.AsSpan(21).CopyTo(guessed.AsSpan(21));

        AssertInvalid(() => Key.Verify(Base64Url.EncodeToString(guessed), Jobs));
    }

    [Fact]
    public void Verify_SignedWithAnotherKey_ReceiptHandleInvalidWithoutNamingTheFault()
    {
        var foreign = ReceiptHandleKey.CreateRandom().Sign(ReceiptHandle.Issue(Jobs, 5, 2));

        var ex = AssertInvalid(() => Key.Verify(foreign, Jobs));

        Assert.DoesNotContain("signature", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("key", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Verify_UnsignedStoreHandle_ReceiptHandleInvalidSayingReceiveAgain()
    {
        var ex = AssertInvalid(() => Key.Verify(ReceiptHandle.Issue(Jobs, 5, 2), Jobs));

        Assert.Contains("before handles were signed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("receive it again", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_GenuineHandleOfAnotherQueue_ReceiptHandleInvalidNamingTheQueue()
    {
        var signed = Key.Sign(ReceiptHandle.Issue(Jobs, 5, 2));

        var ex = AssertInvalid(() => Key.Verify(signed, Jobs with { Name = "other" }));

        Assert.Contains("'other'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-handle")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ")]
    public void Verify_Garbage_ReceiptHandleInvalid(string? text) => AssertInvalid(() => Key.Verify(text, Jobs));

    [Fact]
    public void Constructor_KeyNot32Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => new ReceiptHandleKey(new byte[16]));

    [Fact]
    public void FromStored_DamagedRecord_InternalErrorNamingTheKey()
    {
        var ex = Assert.Throws<SluiceException>(() => ReceiptHandleKey.FromStored(new byte[5]));

        Assert.Equal(ErrorCodes.Internal, ex.ErrorCode);
        Assert.Contains(ReceiptHandleKey.StoreKey, ex.Message, StringComparison.Ordinal);
    }

    private static SluiceException AssertInvalid(Func<ReceiptHandle> verify)
    {
        var ex = Assert.Throws<SluiceException>(() => verify());
        Assert.Equal((ErrorCodes.ReceiptHandleInvalid, "receiptHandle"), (ex.ErrorCode, ex.Field));
        return ex;
    }
}
