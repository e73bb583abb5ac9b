using System.Text;
using Sluice.DeadLetters;

namespace Sluice.Core.Tests;

/// <summary>Failure fingerprints: the masking rules and how exception type, frames and message make a group.</summary>
public class FailureFingerprintTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("order 12345 failed", "order <num> failed")]
    [InlineData("took 3.75 s", "took <num> s")]
    [InlineData("customer ord_981 and user42", "customer ord_<num> and user<num>")]
    [InlineData("id 0b7e1c5a-3f0d-4c6e-9a1b-2d3e4f5a6b7c missing", "id <guid> missing")]
    [InlineData("id {0B7E1C5A-3F0D-4C6E-9A1B-2D3E4F5A6B7C} missing", "id <guid> missing")]
    [InlineData("trace 0b7e1c5a3f0d4c6e9a1b2d3e4f5a6b7c", "trace <guid>")]
    [InlineData("mail to jane.doe+x@mail.example.co.uk bounced", "mail to <email> bounced")]
    [InlineData("GET https://api.example.com/v1/users/17?x=1 failed", "GET <url> failed")]
    [InlineData("see amqp://user:pw@host:5672/vh", "see <url>")]
    [InlineData("at 2026-11-30T10:15:30.123Z", "at <time>")]
    [InlineData("at 2026-11-30T10:15:30+01:00 ok", "at <time> ok")]
    [InlineData("at 2026-11-30 10:15:30", "at <time>")]
    [InlineData("on 2026-11-30", "on <time>")]
    [InlineData("on 30/11/2026", "on <time>")]
    [InlineData("at 10:15:30.5 PM", "at <time>")]
    [InlineData("pointer 0x7ffd1234", "pointer <hex>")]
    [InlineData("commit 9fceb02d0ae5 broke", "commit <hex> broke")]
    [InlineData("user 'bob' not found", "user '<str>' not found")]
    [InlineData("key \"a b\" missing", "key \"<str>\" missing")]
    [InlineData("column `total` bad", "column `<str>` bad")]
    [InlineData("can't parse 'x'", "can't parse '<str>'")]
    [InlineData("  many   spaces\r\n\tand lines ", "many spaces and lines")]
    [InlineData("{\"orderId\": 5, \"note\": \"late\"}", "{\"orderId\": <num>, \"note\": \"<str>\"}")]
    public void Mask_VariableParts_Replaced(string text, string expected) => Assert.Equal(expected, FailureMasking.Mask(text));

    [Theory]
    [InlineData("connection refused")]
    [InlineData("accepted the deadbeef")] // hex needs a digit: English words stay
    [InlineData("Object reference not set to an instance of an object.")]
    public void Mask_NothingVariable_Unchanged(string text) => Assert.Equal(text, FailureMasking.Mask(text));

    [Fact]
    public void Mask_NullOrEmpty_Empty()
    {
        Assert.Equal("", FailureMasking.Mask(null));
        Assert.Equal("", FailureMasking.Mask(""));
    }

    [Fact]
    public void Mask_LongText_OnlyTheFirst16KiBCount()
    {
        var head = new string('a', FailureMasking.MaxInputLength);
        Assert.Equal(FailureMasking.Mask(head + " one tail"), FailureMasking.Mask(head + " another tail"));
    }

    [Fact]
    public void Of_LongErrorsDifferingOnlyInMaskedValues_OneGroupWhateverTheirLengths()
    {
        // Masking comes before any cut: a long quoted value or number must not move where the text is cut.
        var words = string.Concat(Enumerable.Repeat("because the validation rule failed again ", 30));
        var a = Fingerprint($"Validation failed for '{new string('x', 10)}' {words} END A");
        var b = Fingerprint($"Validation failed for '{new string('y', 150)}' {words} END A");
        Assert.Equal(a.GroupId, b.GroupId);
    }

    [Fact]
    public void Of_LongErrorsDifferingAfterTheFirstKiB_TwoGroups()
    {
        var words = string.Concat(Enumerable.Repeat("while importing the nightly batch of records ", 30));
        var a = Fingerprint($"Import aborted {words} DiskFullException");
        var b = Fingerprint($"Import aborted {words} PermissionDeniedException");
        Assert.NotEqual(a.GroupId, b.GroupId);
        Assert.True(a.Message.Length <= FailureMasking.MaxKeptLength);
    }

    [Fact]
    public void Frames_CompilerGeneratedOrdinals_IgnoredSoARebuildKeepsTheGroup()
    {
        var a = FailureFingerprinter.Frames("   at App.Handler.<>c__DisplayClass5_0.<Run>b__0(Int32 x) in /src/H.cs:line 3");
        var b = FailureFingerprinter.Frames("   at App.Handler.<>c__DisplayClass7_0.<Run>b__1(Int32 x) in /src/H.cs:line 9");
        Assert.Single(a);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Frames_DotNetStack_SkipsFrameworkFramesAndLocationsKeepsThree()
    {
        const string Stack = """
               at System.Collections.Generic.Dictionary`2.FindValue(TKey key)
               at Microsoft.Extensions.Options.OptionsCache`1.GetOrAdd(String name)
               at Sluice.Worker.JobRunner.RunAsync(Job job)
               at Shop.Orders.OrderHandler.<HandleAsync>d__4.MoveNext() in /src/Shop/OrderHandler.cs:line 42
            --- End of stack trace from previous location ---
               at Shop.Orders.Validator.Check(Order order) in C:\build\Validator.cs:line 7
               at Shop.Orders.Pipeline.Run()
               at Shop.Program.Main(String[] args) in /src/Program.cs:line 3
            """;

        Assert.Equal(["Shop.Orders.OrderHandler.HandleAsync()", "Shop.Orders.Validator.Check(Order order)", "Shop.Orders.Pipeline.Run()"],
            FailureFingerprinter.Frames(Stack));
    }

    [Fact]
    public void Frames_JavaStyleLocations_Removed() =>
        Assert.Equal(["com.shop.Orders.handle()"], FailureFingerprinter.Frames("\tat com.shop.Orders.handle(Orders.java:88)\n\tat java.base/Thread.run"));

    [Fact]
    public void Of_FreeTextLinesStartingWithAt_KeptAsMessageText()
    {
        var a = Fingerprint("validation failed:\nat least 3 items are required");
        var b = Fingerprint("validation failed:\nat most 2 coupons may be used");

        Assert.NotEqual(a.GroupId, b.GroupId);
        Assert.Equal("validation failed: at least <num> items are required", a.Message);
        Assert.Empty(a.Frames);
    }

    [Fact]
    public void Frames_NodeStack_FramesKeptWithoutLocations()
    {
        const string Stack = """
            TypeError: Cannot read properties of undefined (reading 'id')
                at processOrder (/app/src/orders.js:42:17)
                at async handle (/app/src/worker.js:10:5)
                at new Billing (/app/src/billing.js:3:9)
            """;

        Assert.Equal(["processOrder()", "async handle()", "new Billing()"], FailureFingerprinter.Frames(Stack));
        Assert.NotEqual(Fingerprint(Stack).GroupId, Fingerprint(Stack.Replace("processOrder", "chargeCard", StringComparison.Ordinal)).GroupId);
    }

    [Fact]
    public void Of_FailureDocuments_SameCauseOtherIdsLinesAndPaths_SameGroup()
    {
        var a = Fingerprint(Document("System.TimeoutException", "call 17 to db-1 timed out after 30s", "Shop.Db.Query(String sql) in /a/Db.cs:line 10"));
        var b = Fingerprint(Document("System.TimeoutException", "call 99 to db-4 timed out after 5s", "Shop.Db.Query(String sql) in D:\\b\\Db.cs:line 210"));

        Assert.Equal(a.GroupId, b.GroupId);
        Assert.Equal(FailureSource.ErrorDocument, a.Source);
        Assert.Equal("System.TimeoutException", a.ExceptionType);
        Assert.Equal(["Shop.Db.Query(String sql)"], a.Frames);
        Assert.Equal("call <num> to db-<num> timed out after <num>s", a.Message);
        Assert.Matches("^[0-9a-f]{16}$", a.GroupId);
        Assert.Equal("error | System.TimeoutException | Shop.Db.Query(String sql) | call <num> to db-<num> timed out after <num>s", a.Text);
    }

    [Fact]
    public void Of_FailureDocuments_OtherTopFrameOrType_OtherGroup()
    {
        var baseline = Fingerprint(Document("System.TimeoutException", "timed out", "Shop.Db.Query(String sql)", "Shop.Api.Get()"));

        Assert.NotEqual(baseline.GroupId, Fingerprint(Document("System.TimeoutException", "timed out", "Shop.Cache.Read(String key)", "Shop.Api.Get()")).GroupId);
        Assert.NotEqual(baseline.GroupId, Fingerprint(Document("System.IO.IOException", "timed out", "Shop.Db.Query(String sql)", "Shop.Api.Get()")).GroupId);
        Assert.NotEqual(baseline.GroupId, Fingerprint(Document("System.TimeoutException", "refused", "Shop.Db.Query(String sql)", "Shop.Api.Get()")).GroupId);
        // Frames below the top three do not count.
        Assert.Equal(
            Fingerprint(Document("E", "m", "A.A.a()", "A.A.b()", "A.A.c()", "A.A.d()")).GroupId,
            Fingerprint(Document("E", "m", "A.A.a()", "A.A.b()", "A.A.c()", "A.A.other()")).GroupId);
    }

    [Fact]
    public void Of_FreeTextWithExceptionToString_TypeMessageAndFramesRead()
    {
        var text = "System.InvalidOperationException: order 5 is closed\n   at Shop.Orders.Close(Int32 id) in /src/Orders.cs:line 12\n   at System.Threading.Tasks.Task.Run()";

        var f = Fingerprint(text);

        Assert.Equal(FailureSource.ErrorText, f.Source);
        Assert.Equal("System.InvalidOperationException", f.ExceptionType);
        Assert.Equal(["Shop.Orders.Close(Int32 id)"], f.Frames);
        Assert.Equal("order <num> is closed", f.Message);
    }

    [Fact]
    public void Of_PlainFreeText_MaskedTextOnly()
    {
        var f = Fingerprint("upstream 10.0.0.7 answered 502");

        Assert.Equal(FailureSource.ErrorText, f.Source);
        Assert.Null(f.ExceptionType);
        Assert.Empty(f.Frames);
        Assert.Equal("upstream <num>.<num> answered <num>", f.Message);
        Assert.Equal(f.GroupId, Fingerprint("upstream 10.2.0.9 answered 503").GroupId);
    }

    [Fact]
    public void Of_NoError_BodyFingerprinted()
    {
        var a = FailureFingerprint.Of(Message("""{"id":1,"email":"a@b.io"}""", null));
        var b = FailureFingerprint.Of(Message("""{"id":22,"email":"x@y.com"}""", null));
        var other = FailureFingerprint.Of(Message("""{"sku":"x","qty":2}""", null));

        Assert.Equal(FailureSource.Body, a.Source);
        Assert.Equal(a.GroupId, b.GroupId);
        Assert.NotEqual(a.GroupId, other.GroupId);
        Assert.Equal("""{"id":<num>,"email":"<str>"}""", a.Message);
    }

    [Fact]
    public void Of_BinaryBody_PrintableBytesKeptOthersDots()
    {
        var f = FailureFingerprint.Of(new QueueMessage
        {
            MessageId = Guid.Empty,
            Body = new byte[] { 0x08, 0x96, 0x01, (byte)'o', (byte)'k', 0xFF },
            Attributes = new Dictionary<string, MessageAttributeValue>(),
        });

        Assert.Equal(FailureSource.Body, f.Source);
        Assert.Equal("...ok.", f.Message);
    }

    [Fact]
    public void Of_EmptyLastError_BodyFingerprinted() =>
        Assert.Equal(FailureSource.Body, FailureFingerprint.Of(Message("x", "")).Source);

    [Theory]
    [InlineData("""{"sluiceFailure":1,"type":"E","message":"m","attempts":[null]}""")]
    [InlineData("""{"sluiceFailure":1,"type":"E","message":"m","attempts":[{"attempt":1}]}""")]
    [InlineData("""{"sluiceFailure":1,"type":"E","message":"m","attempts":[{"attempt":1,"at":"2026-11-30T00:00:00Z","worker":"w","exceptionType":"E"}]}""")]
    [InlineData("""{"sluiceFailure":1,"type":"E","message":"m","attempts":[{"attempt":0,"at":"2026-11-30T00:00:00Z","worker":"w","exceptionType":"E","message":"m"}]}""")]
    [InlineData("""{"sluiceFailure":1,"type":"E"}""")]
    [InlineData("""{"sluiceFailure":1,"type":null,"message":"m"}""")]
    public void TryParse_MissingOrNullParts_NotADocument(string text)
    {
        Assert.False(FailureDetails.TryParse(text, out var details));
        Assert.Null(details);
        Assert.Equal(FailureSource.ErrorText, Fingerprint(text).Source);
    }

    [Fact]
    public void TryParse_WellFormedDocument_ReadBack()
    {
        var text = new FailureDetails
        {
            ExceptionType = "E",
            Message = "m",
            Attempts = [new FailureAttempt(1, At, "w", "E", "m")],
        }.ToErrorText();

        Assert.True(FailureDetails.TryParse(text, out var details));
        Assert.Equal(new FailureAttempt(1, At, "w", "E", "m"), Assert.Single(details.Attempts));
    }

    private static FailureFingerprint Fingerprint(string lastError) => FailureFingerprint.Of(Message("body", lastError));

    private static QueueMessage Message(string body, string? lastError) => new()
    {
        MessageId = Guid.CreateVersion7(At),
        Body = Encoding.UTF8.GetBytes(body),
        Attributes = new Dictionary<string, MessageAttributeValue>(),
        DeadLetter = new DeadLetterInfo("jobs", DeadLetterInfo.MaxReceiveCountReason, 3, lastError, At),
    };

    private static string Document(string type, string message, params string[] frames) => new FailureDetails
    {
        ExceptionType = type,
        Message = message,
        StackTrace = string.Join("\n", frames.Select(f => "   at " + f)),
    }.ToErrorText();
}
