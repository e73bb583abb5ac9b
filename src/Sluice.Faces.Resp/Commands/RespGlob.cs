namespace Sluice.Faces.Resp.Commands;

/// <summary>Redis's glob patterns (KEYS, SCAN MATCH): <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a]</c>, <c>[a-z]</c>, and <c>\</c> to escape.</summary>
internal static class RespGlob
{
    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> (case-sensitive).</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        while (pattern.Length > 0)
        {
            switch (pattern[0])
            {
                case '*':
                    while (pattern.Length > 1 && pattern[1] == '*')
                        pattern = pattern[1..];
                    if (pattern.Length == 1)
                        return true;
                    for (var i = 0; i <= text.Length; i++)
                    {
                        if (IsMatch(pattern[1..], text[i..]))
                            return true;
                    }
                    return false;
                case '?':
                    if (text.Length == 0)
                        return false;
                    text = text[1..];
                    pattern = pattern[1..];
                    continue;
                case '[':
                    {
                        if (text.Length == 0)
                            return false;
                        var p = 1;
                        var negate = p < pattern.Length && pattern[p] == '^';
                        if (negate)
                            p++;
                        var matched = false;
                        while (p < pattern.Length && pattern[p] != ']')
                        {
                            if (pattern[p] == '\\' && p + 1 < pattern.Length)
                            {
                                p++;
                                matched |= pattern[p] == text[0];
                            }
                            else if (p + 2 < pattern.Length && pattern[p + 1] == '-')
                            {
                                var (lo, hi) = pattern[p] <= pattern[p + 2] ? (pattern[p], pattern[p + 2]) : (pattern[p + 2], pattern[p]);
                                matched |= text[0] >= lo && text[0] <= hi;
                                p += 2;
                            }
                            else
                            {
                                matched |= pattern[p] == text[0];
                            }
                            p++;
                        }
                        if (matched == negate)
                            return false;
                        pattern = p < pattern.Length ? pattern[(p + 1)..] : [];
                        text = text[1..];
                        continue;
                    }
                case '\\' when pattern.Length > 1:
                    pattern = pattern[1..];
                    goto default;
                default:
                    if (text.Length == 0 || pattern[0] != text[0])
                        return false;
                    text = text[1..];
                    pattern = pattern[1..];
                    continue;
            }
        }
        return text.Length == 0;
    }
}
