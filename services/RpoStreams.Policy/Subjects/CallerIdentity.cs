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

    private static readonly HashSet<string> HiddenWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "anonymous", "anonimo", "private", "privato", "hidden", "nascosto", "withheld", "restricted",
        "unknown", "sconosciuto", "unavailable", "clir", "none",
    };

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

    private static bool HasHiddenWord(string callerId) =>
        Words().Matches(callerId.Normalize(System.Text.NormalizationForm.FormKC)).Any(w => HiddenWords.Contains(w.Value));

    [System.Text.RegularExpressions.GeneratedRegex(@"\p{L}+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Words();

    private static bool Check(string callerId)
    {
        var trimmed = callerId.Trim();
        // A hidden word anywhere ("private +390212345678", in fullwidth letters or beside any space or dash):
        // libphonenumber would find the number beside it, but the line would not be shown.
        if (HasHiddenWord(trimmed) || trimmed.StartsWith("#31#", StringComparison.Ordinal) || trimmed.StartsWith("*31#", StringComparison.Ordinal) || trimmed.StartsWith("*67", StringComparison.Ordinal))
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
