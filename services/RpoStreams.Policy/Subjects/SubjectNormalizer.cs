using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PhoneNumbers;
using RpoStreams.Records;

namespace RpoStreams.Policy.Subjects;

/// <summary>A subject after normalization: the form every lookup and every hash uses.</summary>
public readonly record struct NormalizedSubject(SubjectType Type, string Value);

/// <summary>
/// Normalizes subjects before any lookup (DESIGN section 2). Phone numbers go through libphonenumber
/// to E.164 with default region IT; a number libphonenumber does not accept as valid is not a subject.
/// Postal addresses are NFKD-normalized, combining marks dropped, upper-cased, every character that is
/// not a letter or digit becomes a space, and spaces are collapsed. Input longer than
/// <see cref="InputLimits"/> allows is refused before any of that.
/// </summary>
public static class SubjectNormalizer
{
    /// <summary>Region used for numbers written without an international prefix.</summary>
    public const string DefaultRegion = "IT";

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>The kind of subject a channel reaches: a phone number, or a postal address for POSTAL_MAIL.</summary>
    public static SubjectType TypeOf(Channel channel) => channel == Channel.PHONE ? SubjectType.PHONE : SubjectType.POSTAL_ADDRESS;

    /// <summary>Normalizes a subject of the given type; false when it cannot be normalized.</summary>
    public static bool TryNormalize(string? raw, SubjectType type, out NormalizedSubject subject)
    {
        var ok = type == SubjectType.PHONE ? TryNormalizePhone(raw, out var value) : TryNormalizeAddress(raw, out value);
        subject = ok ? new NormalizedSubject(type, value) : default;
        return ok;
    }

    /// <summary>
    /// E.164 form of a valid phone number (<c>333 123 4567</c>, <c>0039 333-1234567</c> and <c>+39 3331234567</c>
    /// are one subject); false for anything longer than <see cref="InputLimits.PhoneSubject"/>.
    /// </summary>
    public static bool TryNormalizePhone(string? raw, out string e164)
    {
        e164 = string.Empty;
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > InputLimits.PhoneSubject)
        {
            return false;
        }
        try
        {
            var number = Phones.Parse(raw, DefaultRegion);
            if (!IsValidPhone(number))
            {
                return false;
            }
            e164 = Phones.Format(number, PhoneNumberFormat.E164);
            return true;
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    /// <summary>
    /// libphonenumber's <c>IsValidNumber</c>, with the number's types matched once where its country code has several
    /// regions (+39: IT and VA). <c>IsValidNumber</c> first finds the number's region among them (by the region's
    /// leading digits when it has them, else by matching the number against each type of the region) and then matches
    /// the types again to validate it for that region; here the first match that finds a region is the validation.
    /// </summary>
    public static bool IsValidPhone(PhoneNumber number)
    {
        if (!SharedCountryCodes.TryGetValue(number.CountryCode, out var regions))
        {
            return Phones.IsValidNumber(number);
        }
        foreach (var (region, leadingDigits) in regions)
        {
            if (leadingDigits is not null)
            {
                if (leadingDigits.IsMatch(Phones.GetNationalSignificantNumber(number)))
                {
                    return Phones.IsValidNumberForRegion(number, region);
                }
            }
            else if (Phones.IsValidNumberForRegion(number, region))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The country codes shared by several regions, each region with its leading digits (anchored), read from libphonenumber's metadata once.</summary>
    private static readonly Dictionary<int, (string Region, Regex? LeadingDigits)[]> SharedCountryCodes =
        Enumerable.Range(1, 999)
            .Select(cc => (Code: cc, Regions: Phones.GetRegionCodesForCountryCode(cc)))
            .Where(c => c.Regions.Count > 1)
            .ToDictionary(c => c.Code, c => c.Regions
                .Select(region => Phones.GetMetadataForRegion(region) is { HasLeadingDigits: true } metadata
                    ? (region, new Regex("^(?:" + metadata.LeadingDigits + ")", RegexOptions.CultureInvariant))
                    : (region, (Regex?)null))
                .ToArray());

    /// <summary>
    /// Normalized postal address (<c>Via Roma 1, 00100 Roma</c> = <c>VIA ROMA, 1 00100 ROMA</c>); false when
    /// nothing is left, when the address is longer than <see cref="InputLimits.PostalAddress"/> (checked
    /// first), or when its decomposition is longer than <see cref="InputLimits.DecomposedAddress"/>.
    /// </summary>
    public static bool TryNormalizeAddress(string? raw, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > InputLimits.PostalAddress)
        {
            return false;
        }
        var decomposed = raw.Normalize(NormalizationForm.FormKD);
        if (decomposed.Length > InputLimits.DecomposedAddress)
        {
            return false;
        }
        var sb = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }
            if (Rune.IsLetterOrDigit(rune))
            {
                if (pendingSpace && sb.Length > 0)
                {
                    sb.Append(' ');
                }
                pendingSpace = false;
                sb.Append(utf16[..rune.EncodeToUtf16(utf16)]);
            }
            else
            {
                pendingSpace = true;
            }
        }
        // Upper case once for the whole text: per character it is a call into ICU for every non-ASCII letter.
        normalized = sb.ToString().ToUpperInvariant();
        return normalized.Length > 0;
    }
}
