using PhoneNumbers;

namespace RpoStreams.Policy.Subjects;

/// <summary>
/// Checks the calling line identity a dialer will present. Telemarketing calls must show a valid,
/// callable number (DPR 26/2022 and the 2024 code of conduct): a missing, withheld or invalid one fails.
/// </summary>
public static partial class CallerIdentity
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Dialers present few distinct caller lines, so answers are remembered (bounded: the cache is cleared
    /// when it grows past its size, which costs a few parses, never a wrong answer).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Known = new(StringComparer.Ordinal);
    private const int KnownLimit = 10_000;

    /// <summary>True when <paramref name="callerId"/> is present, not withheld, a valid number, and no longer than <see cref="InputLimits.CallerId"/>.</summary>
    public static bool IsValid(string? callerId)
    {
        // Checked before the cache too: it holds up to KnownLimit caller lines, each at most this long.
        if (string.IsNullOrWhiteSpace(callerId) || callerId.Length > InputLimits.CallerId)
        {
            return false;
        }
        if (Known.TryGetValue(callerId, out var known))
        {
            return known;
        }
        var valid = Check(callerId);
        if (Known.Count >= KnownLimit)
        {
            Known.Clear();
        }
        Known[callerId] = valid;
        return valid;
    }

    /// <summary>
    /// Whether the text is a number as written, after a leading <c>tel:</c>: digits (in any script or width), spaces,
    /// <c>+ . / ( )</c> and dashes (hyphens, en and em dashes, minus signs). A word ("private", "riservato"), a symbol or a suppression code (<c>#31#</c>, <c>*67</c>) beside
    /// a number is not: libphonenumber would find the number beside it, but a line presented to the called person is
    /// digits alone.
    /// </summary>
    private static bool IsNumberText(string callerId)
    {
        var text = callerId.Normalize(System.Text.NormalizationForm.FormKC);
        if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[4..];
        }
        return NumberText().IsMatch(text);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[\p{Nd}\s+\-./()\u2010-\u2015\u2212]+$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex NumberText();

    private static bool Check(string callerId)
    {
        var trimmed = callerId.Trim();
        if (!IsNumberText(trimmed))
        {
            return false;
        }
        try
        {
            return Phones.IsValidNumber(Phones.Parse(trimmed, SubjectNormalizer.DefaultRegion));
        }
        catch (NumberParseException)
        {
            return false;
        }
    }
}
