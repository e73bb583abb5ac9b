using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.DeadLetters;

/// <summary>Builds failure fingerprints (see <see cref="FailureFingerprint"/> and docs/design/dead-letters.md).</summary>
internal static partial class FailureFingerprinter
{
    /// <summary>At most this many top application frames are part of a fingerprint.</summary>
    public const int MaxFrames = 3;

    private static readonly string[] FrameworkPrefixes = ["System.", "Microsoft.", "Sluice."];

    public static FailureFingerprint Of(QueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.DeadLetter?.LastError is { Length: > 0 } error)
        {
            return OfError(error);
        }

        return Build(FailureSource.Body, null, [], FailureMasking.BodyText(message.Body.Span, out _));
    }

    /// <summary>The fingerprint of a last error: a structured failure document when it is one, else free text.</summary>
    public static FailureFingerprint OfError(string error)
    {
        if (FailureDetails.TryParse(error, out var details))
        {
            return Build(FailureSource.ErrorDocument, details.ExceptionType, Frames(details.StackTrace), details.Message);
        }

        // Free text, maybe an exception's ToString(): "Type: message" then "   at ..." lines.
        var lines = error.AsSpan();
        var firstEnd = lines.IndexOfAny('\r', '\n');
        var first = firstEnd < 0 ? error : error[..firstEnd];
        var rest = firstEnd < 0 ? "" : error[firstEnd..];
        var header = ExceptionHeader().Match(first);
        var frames = Frames(rest);
        if (header.Success)
        {
            return Build(FailureSource.ErrorText, header.Groups["type"].Value, frames, header.Groups["message"].Value);
        }

        // No recognisable header: the whole text up to the first frame is the message.
        var at = FrameLine().Match(error);
        return Build(FailureSource.ErrorText, null, frames, at.Success ? error[..at.Index] : error);
    }

    /// <summary>The top application frames of a stack trace (see <see cref="FailureFingerprint.Frames"/>).</summary>
    public static IReadOnlyList<string> Frames(string? stackTrace)
    {
        if (string.IsNullOrEmpty(stackTrace))
        {
            return [];
        }

        var frames = new List<string>(MaxFrames);
        foreach (Match line in FrameLine().Matches(stackTrace))
        {
            var frame = line.Groups["frame"].Value.Trim();
            // " in /src/File.cs:line 42" and Java-style "(File.java:42)" locations are not part of the fingerprint.
            var location = frame.IndexOf(" in ", StringComparison.Ordinal);
            if (location >= 0)
            {
                frame = frame[..location];
            }

            frame = AsyncStateMachine().Replace(frame, ".${method}()");
            frame = SourceLocation().Replace(frame, "()");
            // Compiler-generated ordinals (<>c__DisplayClass5_0, <Run>b__0, <>c__12) change on every rebuild: drop them.
            frame = CompilerOrdinal().Replace(frame, "${name}");
            var paren = frame.IndexOf('(', StringComparison.Ordinal);
            if (paren <= 0 || IsFramework(frame))
            {
                continue; // no method (a marker line), or a frame of the runtime or of Sluice itself
            }

            frames.Add(frame);
            if (frames.Count == MaxFrames)
            {
                break;
            }
        }

        return frames;
    }

    public static string Compose(FailureSource source, string? exceptionType, IReadOnlyList<string> frames, string message) =>
        string.Join(" | ", source switch
        {
            FailureSource.ErrorDocument => "error",
            FailureSource.ErrorText => "text",
            _ => "body",
        }, exceptionType ?? "", string.Join(" ; ", frames), message);

    private static FailureFingerprint Build(FailureSource source, string? exceptionType, IReadOnlyList<string> frames, string? message)
    {
        var masked = FailureMasking.Mask(message);
        var type = string.IsNullOrWhiteSpace(exceptionType) ? null : exceptionType.Trim();
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(Compose(source, type, frames, masked)), hash);
        // The whole masked text is hashed; only its head is kept to show (bounded memory per group).
        var shown = masked.Length > FailureMasking.MaxKeptLength ? masked[..FailureMasking.MaxKeptLength] : masked;
        return new FailureFingerprint(Convert.ToHexStringLower(hash[..8]), source, type, frames, shown);
    }

    private static bool IsFramework(string frame)
    {
        foreach (var prefix in FrameworkPrefixes)
        {
            if (frame.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^\s*(?<type>[A-Za-z_][\w]*(?:[.+][A-Za-z_][\w`]*)*(?:Exception|Error|Fault))(?::\s*(?<message>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionHeader();

    // Only real frame shapes, so that a message line such as "at least 3 items are required" stays message text:
    // .NET "at Ns.Type.Method(args) [in path:line N]" and Java "at [module/]pkg.Class.method(File.java:N)" (a dotted
    // name then a parameter list), Node "at [async |new ]fn (/path/file.js:L:C)" (a name then a location in parentheses).
    [GeneratedRegex(
        @"^[ \t]*at[ \t]+(?<frame>(?:[\w$.\-]+/)?[\w$`<>\[\]+,|\-]+(?:\.[\w$`<>\[\]+,|\-]+)+\([^\r\n]*\)(?:[ \t]+in[ \t][^\r\n]*)?" +
        @"|(?:async[ \t]+|new[ \t]+)?[\w$.<>\[\]\-]+[ \t]+\([^()\r\n]+:\d+:\d+\))[ \t]*\r?$",
        RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();

    // "Ns.Type.<Handle>d__5.MoveNext()" is the async method Handle.
    [GeneratedRegex(@"\.<(?<method>[^>]+)>d__\d+\.MoveNext\(\)", RegexOptions.CultureInvariant)]
    private static partial Regex AsyncStateMachine();

    [GeneratedRegex(@"(?<name>(?:DisplayClass|>b__|>d__|>c__|>g__\w+\|))\d+(?:_\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex CompilerOrdinal();

    [GeneratedRegex(@"[ \t]*\([^()]*:\d+(?::\d+)?\)$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceLocation();
}
