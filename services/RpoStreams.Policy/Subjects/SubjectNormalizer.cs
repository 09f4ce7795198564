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
    /// are one subject); false for anything longer than <see cref="InputLimits.PhoneSubject"/>, and for a number some of
    /// whose digits are letters (libphonenumber reads <c>3331234abc</c> as the keypad's <c>3331234222</c>: a mistyped
    /// list entry would be another person's number).
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
            if (HasLetters(raw) && !WrittenInDigits(raw, Phones.GetNationalSignificantNumber(number) + number.Extension))
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

    /// <summary>Letters other than those of a <c>tel:</c> prefix (RFC 3966).</summary>
    private static bool HasLetters(string raw)
    {
        var text = raw.AsSpan().TrimStart();
        if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[4..];
        }
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether the digits of <paramref name="national"/> (with the extension's) appear, in order, among the decimal digits
    /// written in <paramref name="raw"/> (any script's): false when libphonenumber made some of them from letters. The
    /// letters of an extension's marker (<c>ext. 12</c>) give no digit, so such a number passes; a national number whose
    /// digits libphonenumber adds by its region's rules (Argentina's mobile 9) does not, when letters are written.
    /// </summary>
    private static bool WrittenInDigits(string raw, string national)
    {
        var next = 0;
        foreach (var c in raw)
        {
            if (next < national.Length && char.IsDigit(c) && (char)('0' + (int)char.GetNumericValue(c)) == national[next])
            {
                next++;
            }
        }
        return next == national.Length;
    }

    /// <summary>
    /// libphonenumber's <c>IsValidNumber</c>, by its rules, with the patterns compiled and each number's types matched
    /// once. The library matches a number's national significant number against its region's general pattern and then
    /// each type's pattern (a type whose possible lengths exclude the number's length is skipped) with .NET's regex
    /// interpreter, and for a country code shared by several regions (+39: IT and VA) does so twice: once to find the
    /// region (by its leading digits where it has them, else by the first region whose types match) and once to
    /// validate for it. Here the first match that finds a region is the validation, and the patterns of the default
    /// region's country code are compiled the first time one of its numbers is checked (<see cref="RegionRules"/>).
    /// </summary>
    public static bool IsValidPhone(PhoneNumber number)
    {
        var regions = RulesOf(number.CountryCode);
        if (regions.Length == 0)
        {
            return false;
        }
        var national = Phones.GetNationalSignificantNumber(number);
        if (regions.Length == 1)
        {
            return regions[0]?.IsValid(national) ?? false;
        }
        foreach (var rules in regions)
        {
            if (rules?.LeadingDigits is { } leading)
            {
                if (leading.IsMatch(national))
                {
                    return rules.IsValid(national);
                }
            }
            else if (rules?.HasType(national) ?? false)
            {
                // The region found is the one whose types match: valid for it.
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The rules of each region of a country code, in libphonenumber's order (null for a region without metadata), read
    /// on the code's first number: per number one lookup by country code. The non-geographic entities (region 001: +800,
    /// +808, ...) have metadata of their own per country code.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, RegionRules?[]> Rules = new();

    private static RegionRules?[] RulesOf(int countryCode) =>
        Rules.GetOrAdd(
            countryCode,
            static cc => [.. Phones.GetRegionCodesForCountryCode(cc).Select(region =>
                (region == "001" ? Phones.GetMetadataForNonGeographicalRegion(cc) : Phones.GetMetadataForRegion(region)) is { } metadata
                    ? new RegionRules(metadata)
                    : null)]);

    /// <summary>
    /// A region's validity rules from libphonenumber's metadata: its leading digits (anchored), its general number
    /// pattern and the pattern of each number type, each with its possible lengths (none: any length). Compiled for the
    /// regions of the default region's country code (the numbers the register holds); interpreted, as libphonenumber
    /// does, elsewhere: compiling every region's patterns takes seconds and about 80 MB, which input naming every
    /// country would otherwise cost.
    /// </summary>
    internal sealed class RegionRules
    {
        private static readonly int CompiledCountryCode = Phones.GetCountryCodeForRegion(DefaultRegion);

        // libphonenumber's bounds for a national significant number (its MIN_LENGTH_FOR_NSN and MAX_LENGTH_FOR_NSN).
        private const int ShortestNational = 3;
        private const int LongestNational = 17;

        private readonly (HashSet<int>? Lengths, Regex Pattern)? general;
        private readonly (HashSet<int>? Lengths, Regex Pattern)[] types;

        public RegionRules(PhoneMetadata metadata)
        {
            var options = RegexOptions.CultureInvariant | (metadata.CountryCode == CompiledCountryCode ? RegexOptions.Compiled : RegexOptions.None);
            LeadingDigits = metadata.HasLeadingDigits ? new Regex("^(?:" + metadata.LeadingDigits + ")", options) : null;
            general = metadata.GeneralDesc.HasNationalNumberPattern ? Of(metadata.GeneralDesc, options) : null;
            // The types IsValidNumber accepts (GetNumberType other than UNKNOWN); a region whose mobile pattern is its fixed
            // line's tests it once.
            types =
            [
                .. new[]
                {
                    metadata.PremiumRate, metadata.TollFree, metadata.SharedCost, metadata.Voip, metadata.PersonalNumber,
                    metadata.Pager, metadata.Uan, metadata.Voicemail, metadata.FixedLine,
                    metadata.SameMobileAndFixedLinePattern ? null : metadata.Mobile,
                }
                .Where(d => d is not null && !(d.PossibleLengthCount == 1 && d.PossibleLengthList[0] == -1))
                .Select(d => Of(d!, options)),
            ];
        }

        public Regex? LeadingDigits { get; }

        /// <summary>IsValidNumberForRegion: a region without a general pattern takes any number of a plausible length.</summary>
        public bool IsValid(string national) =>
            general is null ? national.Length is >= ShortestNational and <= LongestNational : HasType(national);

        /// <summary>GetNumberType is not UNKNOWN: the general pattern and one type's pattern match (none without a general pattern).</summary>
        public bool HasType(string national)
        {
            if (general is not { } g || !Matches(g, national))
            {
                return false;
            }
            foreach (var type in types)
            {
                if (Matches(type, national))
                {
                    return true;
                }
            }
            return false;
        }

        private static bool Matches((HashSet<int>? Lengths, Regex Pattern) desc, string national) =>
            (desc.Lengths is null || desc.Lengths.Contains(national.Length)) && desc.Pattern.IsMatch(national);

        private static (HashSet<int>?, Regex) Of(PhoneNumberDesc desc, RegexOptions options) =>
            (desc.PossibleLengthCount > 0 ? [.. desc.PossibleLengthList] : null, new Regex("^(?:" + desc.NationalNumberPattern + ")$", options));
    }

    /// <summary>
    /// Normalized postal address (<c>Via Roma 1, 00100 Roma</c> = <c>VIA ROMA 1 00100 ROMA</c>); false when
    /// no letter is left (digits alone are no address: <c>+39 347 1234567</c> sent for a letter is a phone number), when
    /// the address is longer than <see cref="InputLimits.PostalAddress"/> (checked first), or when its decomposition is
    /// longer than <see cref="InputLimits.DecomposedAddress"/>.
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
        var letters = false;
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
                letters |= Rune.IsLetter(rune);
                sb.Append(utf16[..rune.EncodeToUtf16(utf16)]);
            }
            else
            {
                pendingSpace = true;
            }
        }
        // Upper case once for the whole text: per character it is a call into ICU for every non-ASCII letter. Unicode's
        // full mapping, as Python's upper(), JavaScript's and Java's toUpperCase() give it to producers: after the
        // decomposition it differs from .NET's invariant one only in 'ß' (SS) and 'ı' (I), which .NET keeps.
        normalized = sb.ToString().ToUpperInvariant();
        if (normalized.AsSpan().IndexOfAny('ß', 'ı') >= 0)
        {
            normalized = normalized.Replace("ß", "SS", StringComparison.Ordinal).Replace('ı', 'I');
        }
        return letters;
    }
}
