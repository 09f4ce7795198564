using System.Text.RegularExpressions;
using PhoneNumbers;

namespace RpoStreams.Contracts;

/// <summary>
/// Masks phone numbers in text that may reach a log or an output topic: whatever libphonenumber finds
/// as a valid number (default region IT, any writing: <c>333 123 4567</c>, <c>0039 333-1234567</c>,
/// <c>+39 3331234567</c>, <c>333–123–4567</c>, <c>333_123_4567</c>), any <c>+</c> followed by 8 to 15 digits, and a run of
/// 9 to 13 digits glued to letters (<c>ACME3331234567</c>, <c>3331234567abc</c>) that is a valid number on its own;
/// digits outside the Basic Multilingual Plane (<c>𝟑𝟑𝟑…</c>) count as digits. Addresses, ids, ports, timestamps and
/// hashes (a word of exactly 32 or 64 lowercase hexadecimal characters) stay readable.
/// </summary>
public static partial class LogSafe
{
    /// <summary>What a masked number is replaced with.</summary>
    public const string Mask = "[number]";

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    [GeneratedRegex(@"\+\s*\d(?:[\s\-./()]*\d){7,14}", RegexOptions.CultureInvariant)]
    private static partial Regex International();

    [GeneratedRegex(@"\d(?:[\s\-./()]*\d){5,}", RegexOptions.CultureInvariant)]
    private static partial Regex DigitRun();

    public static string Text(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        // Looked for in a copy of the same length whose unusual separators (other dashes, soft hyphens, zero-width
        // characters, underscores, commas, dots in the middle) read as '-', so "333–123–4567" is found as "333-123-4567".
        // A digit outside the BMP (mathematical digits: a surrogate pair) reads as its ASCII digit and a separator.
        var seen = text.AsSpan().IndexOfAny(OddSeparators) < 0 && text.AsSpan().IndexOfAnyInRange('\uD800', '\uDBFF') < 0 ? text : string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                if (char.IsHighSurrogate(source[i]) && i + 1 < source.Length && System.Text.Rune.TryCreate(source[i], source[i + 1], out var rune)
                    && System.Text.Rune.IsDigit(rune) && System.Text.Rune.GetNumericValue(rune) is >= 0 and <= 9 and var digit)
                {
                    span[i] = (char)('0' + (int)digit);
                    span[++i] = '-';
                    continue;
                }
                span[i] = OddSeparators.Contains(source[i]) ? '-' : source[i];
            }
        });
        if (!DigitRun().IsMatch(seen))
        {
            return text;
        }
        var found = International().Matches(seen).Select(m => (Start: m.Index, End: m.Index + m.Length))
            .Concat(Phones.FindNumbers(seen, "IT", PhoneNumberUtil.Leniency.VALID, long.MaxValue).Select(m => (Start: m.Start, End: m.Start + m.Length)))
            .ToList();
        // libphonenumber passes over a number that touches a letter: a run of digits that is a valid number on its own is one.
        foreach (Match run in DigitRun().Matches(seen))
        {
            if (!found.Any(r => r.Start < run.Index + run.Length && run.Index < r.End) && IsNumberAlone(seen, run))
            {
                found.Add((run.Index, run.Index + run.Length));
            }
        }
        // A range never ends inside a surrogate pair (a digit outside the BMP is two chars).
        found = [.. found.Select(r => r.End < text.Length && char.IsLowSurrogate(text[r.End]) ? (r.Start, r.End + 1) : r).OrderBy(r => r.Start)];
        if (found.Count == 0)
        {
            return text;
        }
        var sb = new System.Text.StringBuilder(text.Length);
        var at = 0;
        foreach (var (start, end) in found)
        {
            if (end <= at)
            {
                continue;
            }
            if (start >= at)
            {
                sb.Append(text, at, start - at).Append(Mask);
            }
            at = end;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }

    private static bool IsNumberAlone(string seen, Match run)
    {
        var digits = new string([.. run.Value.Where(char.IsDigit).Select(c => (char)('0' + (int)char.GetNumericValue(c)))]);
        if (digits.Length is < 9 or > 13 || InHash(seen, run.Index, run.Index + run.Length))
        {
            return false;
        }
        foreach (var candidate in (ReadOnlySpan<string>)[digits, "+" + digits])
        {
            try
            {
                if (Phones.IsValidNumber(Phones.Parse(candidate, "IT")))
                {
                    return true;
                }
            }
            catch (NumberParseException)
            {
            }
        }
        return false;
    }

    /// <summary>
    /// Whether [start, end) lies in a hash: a word of exactly 32 or 64 lowercase hexadecimal characters (a subjectRef, a
    /// trace id, a SHA-256), which a run of digits inside it does not make a number.
    /// </summary>
    private static bool InHash(string text, int start, int end)
    {
        while (start > 0 && char.IsAsciiLetterOrDigit(text[start - 1]))
        {
            start--;
        }
        while (end < text.Length && char.IsAsciiLetterOrDigit(text[end]))
        {
            end++;
        }
        return end - start is 32 or 64 && text.AsSpan(start, end - start).IndexOfAnyExcept(LowerHex) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static readonly System.Buffers.SearchValues<char> OddSeparators = System.Buffers.SearchValues.Create(
        // Besides libphonenumber's own punctuation (fullwidth, tildes, brackets, ideographic space).
        "_,~[]\u00AD\u00B7\u200B\u200C\u200D\u2010\u2011\u2012\u2013\u2014\u2015\u2022\u2027\u2053\u2060\u2212\u2219\u223C\u3000\u30FC"
        + "\uFE58\uFE63\uFEFF\uFF08\uFF09\uFF0D\uFF0E\uFF0F\uFF3B\uFF3D\uFF5E");
}
