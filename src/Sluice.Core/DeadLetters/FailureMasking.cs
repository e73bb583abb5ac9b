using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.DeadLetters;

/// <summary>
/// Masks the parts of a failure message (or body) that vary between occurrences of one cause, so that equal causes
/// give equal text. Rules, applied in this order (see docs/design/dead-letters.md):
/// <list type="number">
/// <item>URLs (<c>scheme://...</c> up to white space) become <c>&lt;url&gt;</c>.</item>
/// <item>E-mail addresses become <c>&lt;email&gt;</c>.</item>
/// <item>GUIDs (with dashes, with braces or as 32 hex digits) become <c>&lt;guid&gt;</c>.</item>
/// <item>Timestamps and dates (ISO 8601 date, date-time with optional fraction and zone; <c>dd/mm/yyyy</c>-like dates; <c>hh:mm[:ss[.fff]]</c> times) become <c>&lt;time&gt;</c>.</item>
/// <item>Quoted values (<c>'...'</c>, <c>"..."</c>, <c>`...`</c>, at most 200 characters, not inside a word; a <c>"..."</c> directly followed by <c>:</c>, a JSON key, stays) become <c>'&lt;str&gt;'</c>.</item>
/// <item>Hex strings (<c>0x...</c>, or 8 or more hex digits with at least one digit) become <c>&lt;hex&gt;</c>.</item>
/// <item>Numbers (digits, with an optional fraction; also inside identifiers such as <c>ord_123</c>) become <c>&lt;num&gt;</c>; ids built of digits and letters so become equal.</item>
/// <item>Runs of white space become one space; the result is trimmed.</item>
/// </list>
/// The first <see cref="MaxInputLength"/> characters of the input are masked (masking first, so that the variable parts
/// never move where a cut falls); a fingerprint hashes all of the masked text and keeps its first
/// <see cref="MaxKeptLength"/> characters to show.
/// </summary>
public static partial class FailureMasking
{
    /// <summary>The number of leading characters of a message or body text that are masked and hashed: 16,384.</summary>
    public const int MaxInputLength = 16 * 1024;

    /// <summary>The number of leading characters of the masked text kept in a fingerprint to show: 1,024.</summary>
    public const int MaxKeptLength = 1024;

    /// <summary>Masks the variable parts of <paramref name="text"/>.</summary>
    /// <param name="text">A failure message or body text; <see langword="null"/> counts as empty.</param>
    /// <returns>The masked text (never null).</returns>
    public static string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var s = text.Length > MaxInputLength ? text[..MaxInputLength] : text;
        s = Url().Replace(s, "<url>");
        s = Email().Replace(s, "<email>");
        s = Guid().Replace(s, "<guid>");
        s = Timestamp().Replace(s, "<time>");
        s = Quoted().Replace(s, static m => string.Concat(m.ValueSpan[..1], "<str>", m.ValueSpan[^1..]));
        s = Hex().Replace(s, "<hex>");
        s = Number().Replace(s, "<num>");
        return Spaces().Replace(s, " ").Trim();
    }

    /// <summary>
    /// A body as text for fingerprinting: decoded as UTF-8 when it is valid UTF-8, else its first
    /// <see cref="MaxKeptLength"/> bytes with printable ASCII kept and every other byte shown as <c>.</c>.
    /// </summary>
    /// <param name="body">The body bytes.</param>
    /// <param name="isText">Whether the body is valid UTF-8.</param>
    public static string BodyText(ReadOnlySpan<byte> body, out bool isText)
    {
        var head = body.Length > MaxInputLength * 4 ? body[..(MaxInputLength * 4)] : body;
        isText = System.Text.Unicode.Utf8.IsValid(body);
        if (isText)
        {
            var text = Encoding.UTF8.GetString(head);
            return text.Length > MaxInputLength ? text[..MaxInputLength] : text;
        }

        var bytes = body.Length > MaxKeptLength ? body[..MaxKeptLength] : body;
        return string.Create(bytes.Length, bytes.ToArray(), static (span, b) =>
        {
            for (var i = 0; i < b.Length; i++)
            {
                span[i] = b[i] is >= 0x20 and < 0x7F ? (char)b[i] : '.';
            }
        });
    }

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'""`<>]+", RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"\{?\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b\}?|\b[0-9A-Fa-f]{32}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Guid();

    [GeneratedRegex(
        @"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+\-]\d{2}:?\d{2}\b)?" +
        @"|\b\d{1,4}[/.]\d{1,2}[/.]\d{2,4}\b" +
        @"|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?\b",
        RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"(?<![\w'""`])'[^'\r\n]{0,200}'(?![\w])|(?<![\w""])""[^""\r\n]{0,200}""(?!\s*:)|`[^`\r\n]{0,200}`", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b0[xX][0-9A-Fa-f]+\b|\b(?=[0-9A-Fa-f]*\d)(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{8,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Hex();

    [GeneratedRegex(@"\d+(?:\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
