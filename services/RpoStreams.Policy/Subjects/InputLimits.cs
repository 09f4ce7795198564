using System.Globalization;
using RpoStreams.Records;

namespace RpoStreams.Policy.Subjects;

/// <summary>
/// The longest text the gate accepts in each field, in UTF-16 characters (<see cref="string.Length"/>),
/// checked before any normalization (DESIGN section 2): a longer value is a dead letter on Kafka and a 4xx on
/// the check API. One place for every reader (intake, API, replay) so they refuse the same inputs.
/// </summary>
public static class InputLimits
{
    /// <summary>A phone subject as written: E.164 has at most 15 digits, the rest is room for a prefix, spaces and punctuation.</summary>
    public const int PhoneSubject = 64;

    /// <summary>A postal address as written (the longest Italian addresses, with care-of lines, stay well under 300).</summary>
    public const int PostalAddress = 512;

    /// <summary>
    /// A postal address's compatibility decomposition (NFKD). No address comes near it (an accented letter
    /// decomposes into two characters); one U+FDFA decomposes into 18, so the cap keeps a crafted address
    /// from costing more than a long ordinary one.
    /// </summary>
    public const int DecomposedAddress = 4 * PostalAddress;

    /// <summary>The caller line a dialer will present (a phone number as written).</summary>
    public const int CallerId = 64;

    /// <summary>Any identifier: intentId, attemptId, companyId, callCenterId, campaignId, feedId, registerVersion.</summary>
    public const int Id = 128;

    /// <summary>The limit for a subject of the given type.</summary>
    public static int SubjectOf(SubjectType type) => type == SubjectType.PHONE ? PhoneSubject : PostalAddress;

    /// <summary>
    /// Null when <paramref name="value"/> is null or at most <paramref name="max"/> characters long; otherwise
    /// an error text naming the field, its length and the limit (never the value itself, which may be a number
    /// or an address). For a dead letter's error or a problem's detail.
    /// </summary>
    public static string? TooLong(string field, string? value, int max) =>
        value is { Length: var length } && length > max
            ? string.Create(CultureInfo.InvariantCulture, $"'{field}' is {length} characters long; at most {max} are accepted")
            : null;

    /// <summary>
    /// Null unless <paramref name="value"/> holds U+FFFD, what a UTF-8 decoder puts for bytes that are not UTF-8 (two
    /// identifiers written with different invalid bytes would otherwise read as the same one, and one intent's
    /// decision be taken for another's), or a control character: C0 (the gate joins ids with U+001F into internal keys),
    /// DEL and C1 (terminal escapes), a line or paragraph separator (a new line in a log), or a direction override or
    /// isolate (an id shown reversed on the dashboard). No identifier a dialer or CRM makes holds any of them. Nor does
    /// it have spaces around it, an invisible (format) character such as a zero-width space, or a form Unicode folds into
    /// another (full-width letters, ligatures: not NFKC): each would make another company, whose consents, opt-outs and
    /// caps are not this one's, of an id that reads the same (<c>ACME </c>, <c>ACME\u200B</c>, <c>ＡＣＭＥ</c>).
    /// </summary>
    public static string? Garbled(string field, string? value) =>
        value is null ? null
        : value.Contains('\uFFFD', StringComparison.Ordinal) ? $"'{field}' holds bytes that are not UTF-8 (or U+FFFD)"
        : value.AsSpan().IndexOfAny(ControlCharacters) >= 0 ? $"'{field}' holds a control character"
        : value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) ? $"'{field}' has spaces around it"
        : Unfolded(field, value);

    /// <summary>The invisible-character and NFKC checks of <see cref="Garbled"/>; an ASCII id (nearly all) passes at a glance.</summary>
    private static string? Unfolded(string field, string value)
    {
        if (!value.AsSpan().ContainsAnyExceptInRange((char)0, (char)0x7F))
        {
            return null;
        }
        foreach (var c in value)
        {
            if (c > 0x7F && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                return $"'{field}' holds an invisible character (Unicode format, such as a zero-width space)";
            }
        }
        bool normalized;
        try
        {
            normalized = value.IsNormalized(System.Text.NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // A lone surrogate: not text.
            normalized = false;
        }
        return normalized ? null : $"'{field}' is not in Unicode's NFKC form (full-width letters, ligatures, decomposed accents): write it as NFKC";
    }

    private static readonly System.Buffers.SearchValues<char> ControlCharacters = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Concat([0x2028, 0x2029]).Concat(Enumerable.Range(0x202A, 5)).Concat(Enumerable.Range(0x2066, 4)).Select(c => (char)c)]);

    /// <summary><see cref="TooLong"/> for a subject of the given type.</summary>
    public static string? SubjectTooLong(string field, string? value, SubjectType type) => TooLong(field, value, SubjectOf(type));
}
