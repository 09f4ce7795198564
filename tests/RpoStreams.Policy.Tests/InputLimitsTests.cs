
namespace RpoStreams.Policy.Tests;

/// <summary>Every subject has a maximum length, checked before any normalization (DESIGN section 2).</summary>
public class InputLimitsTests
{
    [Fact]
    public void A_phone_subject_at_the_limit_is_normalized_and_one_character_more_is_not()
    {
        var atLimit = "+39 333 123 4567".PadRight(InputLimits.PhoneSubject);

        Assert.True(SubjectNormalizer.TryNormalize(atLimit, SubjectType.PHONE, out _));
        Assert.False(SubjectNormalizer.TryNormalize(atLimit + " ", SubjectType.PHONE, out _));
    }

    [Fact]
    public void A_postal_address_at_the_limit_is_normalized_and_one_character_more_is_not()
    {
        var atLimit = "Via Roma 1, 00100 Roma".PadRight(InputLimits.PostalAddress, 'x');

        Assert.True(SubjectNormalizer.TryNormalize(atLimit, SubjectType.POSTAL_ADDRESS, out _));
        Assert.False(SubjectNormalizer.TryNormalize(atLimit + "x", SubjectType.POSTAL_ADDRESS, out _));
    }

    [Fact]
    public void A_caller_id_longer_than_the_limit_is_not_valid()
    {
        var atLimit = "+390212345678".PadRight(InputLimits.CallerId);

        Assert.True(CallerIdentity.IsValid(atLimit));
        Assert.False(CallerIdentity.IsValid(atLimit + " "));
    }

    [Fact]
    public void An_address_of_ligatures_that_decompose_eighteen_fold_is_not_a_subject()
    {
        // U+FDFA decomposes into 18 characters: 200 of them are 3,600 after NFKD.
        var ligatures = new string('\uFDFA', 200);

        Assert.False(SubjectNormalizer.TryNormalize(ligatures, SubjectType.POSTAL_ADDRESS, out _));
    }

    [Fact]
    public void A_huge_address_is_refused_without_being_normalized()
    {
        // Thirty million characters would take seconds and gigabytes to decompose; refused by its length.
        var huge = new string('\uFDFA', 30_000_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.False(SubjectNormalizer.TryNormalize(huge, SubjectType.POSTAL_ADDRESS, out _));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Upper_casing_the_whole_address_at_once_gives_the_same_subject_as_letter_by_letter()
    {
        const string raw = "Straße Ǆ ﬁ İ ı µ ΐ ǅ Città";
        var expected = string.Concat(raw.Normalize(System.Text.NormalizationForm.FormKD).EnumerateRunes()
            .Where(r => System.Text.Rune.IsLetterOrDigit(r) || r.Value == ' ')
            .Select(r => r.Value == 'ß' ? "SS" : r.Value == 'ı' ? "I" : System.Text.Rune.ToUpperInvariant(r).ToString()));

        Assert.True(SubjectNormalizer.TryNormalize(raw, SubjectType.POSTAL_ADDRESS, out var subject));
        Assert.Equal(string.Join(' ', expected.Split(' ', StringSplitOptions.RemoveEmptyEntries)), subject.Value);
    }

    [Theory]
    [InlineData("subject", 513, 512, "'subject' is 513 characters long; at most 512 are accepted")]
    [InlineData("callerId", 64, 64, null)]
    [InlineData("intentId", 0, 128, null)]
    public void TooLong_names_the_field_and_the_limit_and_never_the_value(string field, int length, int max, string? expected)
    {
        var value = new string('3', length);

        var error = InputLimits.TooLong(field, value, max);

        Assert.Equal(expected, error);
        Assert.DoesNotContain("333", error ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_value_is_not_too_long()
    {
        Assert.Null(InputLimits.TooLong("campaignId", null, InputLimits.Id));
        Assert.Equal(InputLimits.PhoneSubject, InputLimits.SubjectOf(SubjectType.PHONE));
        Assert.Equal(InputLimits.PostalAddress, InputLimits.SubjectOf(SubjectType.POSTAL_ADDRESS));
    }
}
