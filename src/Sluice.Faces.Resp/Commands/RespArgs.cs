using System.Buffers.Text;
using System.Text;

namespace Sluice.Faces.Resp.Commands;

/// <summary>Argument helpers with Redis's error texts for bad values.</summary>
internal static class RespArgs
{
    public const string SyntaxError = "ERR syntax error";
    public const string NotAnInteger = "ERR value is not an integer or out of range";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>An argument as text, invalid UTF-8 bytes replaced by U+FFFD (for keywords and error messages, never names).</summary>
    public static string Text(byte[] arg) => Encoding.UTF8.GetString(arg);

    /// <summary>
    /// A name argument (key, group, consumer): Sluice names are text, so bytes that are not valid UTF-8 are refused with
    /// <c>ERR invalid {what} name: not valid UTF-8</c> rather than decoded lossily (two different byte strings would
    /// otherwise name one stream). Redis accepts any bytes; see docs/resp.md, "Known differences".
    /// </summary>
    public static string Name(byte[] arg, string what)
    {
        try
        {
            return StrictUtf8.GetString(arg);
        }
        catch (DecoderFallbackException)
        {
            throw new RespErrorException($"ERR invalid {what} name: not valid UTF-8");
        }
    }

    /// <summary>A key (stream name) argument; see <see cref="Name"/>.</summary>
    public static string Key(byte[] arg) => Name(arg, "key");

    /// <summary>A consumer group name argument; see <see cref="Name"/>.</summary>
    public static string Group(byte[] arg) => Name(arg, "group");

    /// <summary>A consumer name argument; see <see cref="Name"/>.</summary>
    public static string Consumer(byte[] arg) => Name(arg, "consumer");

    /// <summary>Case-insensitive ASCII comparison of an argument with a keyword.</summary>
    public static bool Is(byte[] arg, string keyword) => Ascii.EqualsIgnoreCase(arg, keyword);

    /// <summary>A strict decimal integer (Redis's <c>string2ll</c>): no blanks, no '+', no leading zeros.</summary>
    public static bool TryLong(byte[] arg, out long value)
    {
        value = 0;
        if (arg.Length == 0 || arg.Length > 20 || arg[0] == '+' || (arg.Length > 1 && arg[0] == '0') ||
            (arg.Length > 2 && arg[0] == '-' && arg[1] == '0'))
            return false;
        return Utf8Parser.TryParse(arg, out value, out var used) && used == arg.Length;
    }

    /// <summary>
    /// Longest duration a millisecond argument (min-idle times, XCLAIM's IDLE, XPENDING's IDLE) stands for: 100 years.
    /// Larger values are clamped to it, so they behave as Redis's huge values do (no entry has been idle that long) and
    /// a time computed from them stays representable.
    /// </summary>
    public const long MaxMilliseconds = 36_525L * 24 * 60 * 60 * 1000;

    /// <summary>
    /// A millisecond argument as a duration: negative counts as 0 and past <see cref="MaxMilliseconds"/> is clamped to it,
    /// as Redis accepts any 64-bit value there.
    /// </summary>
    public static TimeSpan Milliseconds(long ms) => TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, MaxMilliseconds));

    /// <summary>
    /// A BLOCK timeout (milliseconds, already checked to be non-negative): 0 waits forever, as does anything past
    /// <see cref="int.MaxValue"/> ms (about 24.8 days; Redis blocks until an entry arrives for such values too).
    /// </summary>
    public static TimeSpan BlockTimeout(long ms) => ms == 0 || ms > int.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);

    /// <summary>A strict integer, or <see cref="RespErrorException"/> with <paramref name="error"/> (default Redis's "not an integer").</summary>
    public static long Long(byte[] arg, string error = NotAnInteger) =>
        TryLong(arg, out var value) ? value : throw new RespErrorException(error);
}
