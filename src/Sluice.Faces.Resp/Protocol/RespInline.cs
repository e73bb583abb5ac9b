namespace Sluice.Faces.Resp.Protocol;

/// <summary>
/// Splits an inline command into words the way Redis does (<c>sdssplitargs</c>): words separated by blanks; double
/// quotes with the escapes <c>\n \r \t \b \a \\ \" \xHH</c>; single quotes with <c>\'</c>; a closing quote must be
/// followed by a blank or the end.
/// </summary>
internal static class RespInline
{
    /// <summary>The words of <paramref name="line"/>, or <see langword="null"/> when its quotes do not balance.</summary>
    public static List<byte[]>? Split(ReadOnlySpan<byte> line)
    {
        var words = new List<byte[]>();
        var word = new List<byte>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && IsBlank(line[i]))
                i++;
            if (i >= line.Length)
                return words;
            bool inDouble = false, inSingle = false;
            word.Clear();
            while (true)
            {
                if (inDouble)
                {
                    if (i >= line.Length)
                        return null;
                    var c = line[i];
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && IsHex(line[i + 2]) && IsHex(line[i + 3]))
                    {
                        word.Add((byte)(Hex(line[i + 2]) * 16 + Hex(line[i + 3])));
                        i += 3;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        word.Add(line[i] switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t', (byte)'b' => (byte)'\b', (byte)'a' => (byte)'\a', var other => other });
                    }
                    else if (c == '"')
                    {
                        if (i + 1 < line.Length && !IsBlank(line[i + 1]))
                            return null;
                        i++;
                        break;
                    }
                    else
                    {
                        word.Add(c);
                    }
                }
                else if (inSingle)
                {
                    if (i >= line.Length)
                        return null;
                    var c = line[i];
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        i++;
                        word.Add((byte)'\'');
                    }
                    else if (c == '\'')
                    {
                        if (i + 1 < line.Length && !IsBlank(line[i + 1]))
                            return null;
                        i++;
                        break;
                    }
                    else
                    {
                        word.Add(c);
                    }
                }
                else
                {
                    if (i >= line.Length || IsBlank(line[i]))
                        break;
                    if (line[i] == '"')
                        inDouble = true;
                    else if (line[i] == '\'')
                        inSingle = true;
                    else
                        word.Add(line[i]);
                }
                i++;
            }
            words.Add([.. word]);
        }
    }

    private static bool IsBlank(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0 or (byte)'\v' or (byte)'\f';

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
