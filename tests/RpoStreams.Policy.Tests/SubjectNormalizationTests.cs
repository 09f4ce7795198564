
namespace RpoStreams.Policy.Tests;

/// <summary>Subjects are normalized before any lookup, and hashed for outputs (DESIGN section 2); masking in logs is tested with LogSafe in RpoStreams.Contracts.Tests.</summary>
public class SubjectNormalizationTests
{
    [Theory]
    [InlineData("333 123 4567")]
    [InlineData("0039 333-1234567")]
    [InlineData("+39 3331234567")]
    [InlineData("+393331234567")]
    [InlineData("3331234567")]
    [InlineData("+39 (333) 123-4567")]
    [InlineData("333.123.4567")]
    [InlineData("  +39 333 123 4567  ")]
    [InlineData("tel:+39-333-123-4567")]
    [InlineData("+39 333 123 4567 ext. 12")]
    [InlineData("\uFF13\uFF13\uFF13\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17")]
    public void Every_writing_of_a_mobile_number_is_one_E164_subject(string raw)
    {
        Assert.True(SubjectNormalizer.TryNormalize(raw, SubjectType.PHONE, out var subject), raw);
        Assert.Equal(new NormalizedSubject(SubjectType.PHONE, "+393331234567"), subject);
    }

    [Theory]
    [InlineData("06 1234 5678", "+390612345678")]
    [InlineData("tel:+54-11-15-1234-5678", "+5491112345678")]
    [InlineData("+39 02 1234 5678", "+390212345678")]
    [InlineData("0039 02 12345678", "+390212345678")]
    public void Landline_numbers_keep_their_leading_zero_in_E164(string raw, string e164)
    {
        Assert.True(SubjectNormalizer.TryNormalizePhone(raw, out var normalized));
        Assert.Equal(e164, normalized);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("not a number")]
    [InlineData("+39 333")]
    [InlineData("+39 333 123 4567 8901 2345")]
    [InlineData("+999 1234567")]
    [InlineData("3331234abc")]
    [InlineData("+39 333 CALLNOW")]
    [InlineData("333 ABC DEFG")]
    [InlineData("3331234ABC x222")]
    [InlineData("3331234abc ext. 222")]
    public void Number_libphonenumber_does_not_accept_as_valid_is_not_a_subject(string? raw)
    {
        Assert.False(SubjectNormalizer.TryNormalize(raw, SubjectType.PHONE, out _));
    }

    [Theory]
    [InlineData("Via Roma 1, 00100 Roma", "VIA ROMA 1 00100 ROMA")]
    [InlineData("VIA ROMA, 1 00100 ROMA", "VIA ROMA 1 00100 ROMA")]
    [InlineData("  via   roma 1 -- 00100   roma.  ", "VIA ROMA 1 00100 ROMA")]
    [InlineData("Piazza Università", "PIAZZA UNIVERSITA")]
    [InlineData("Piazza Universita\u0300", "PIAZZA UNIVERSITA")]
    [InlineData("Corso Città di Castello, 5/B", "CORSO CITTA DI CASTELLO 5 B")]
    [InlineData("Via dell'Orso 3", "VIA DELL ORSO 3")]
    [InlineData("Località Çervo Ñ", "LOCALITA CERVO N")]
    [InlineData("Via Roma 1\u00AA", "VIA ROMA 1A")]
    [InlineData("Hauptstraße 4", "HAUPTSTRASSE 4")]
    [InlineData("ızmir Caddesi 5", "IZMIR CADDESI 5")]
    [InlineData("\U0001D6A4zmir", "IZMIR")]
    public void Postal_address_is_upper_case_without_diacritics_or_punctuation(string raw, string expected)
    {
        Assert.True(SubjectNormalizer.TryNormalize(raw, SubjectType.POSTAL_ADDRESS, out var subject), raw);
        Assert.Equal(expected, subject.Value);
        Assert.Equal(SubjectType.POSTAL_ADDRESS, subject.Type);
    }

    [Fact]
    public void Two_writings_of_one_address_are_one_subject()
    {
        SubjectNormalizer.TryNormalize("Via Roma 1, 00100 Roma", SubjectType.POSTAL_ADDRESS, out var a);
        SubjectNormalizer.TryNormalize("VIA ROMA, 1 00100 ROMA", SubjectType.POSTAL_ADDRESS, out var b);
        Assert.Equal(a, b);
        Assert.NotEqual(default, a);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData(",.;-/()")]
    [InlineData(" - , . ")]
    [InlineData("\u0301\u0300")]
    [InlineData("+39 347 1234567")]
    [InlineData("00100 1")]
    public void Empty_punctuation_or_digits_only_address_is_not_a_subject(string? raw)
    {
        Assert.False(SubjectNormalizer.TryNormalize(raw, SubjectType.POSTAL_ADDRESS, out _));
    }

    // ---- subjectRef ----

    private static NormalizedSubject Phone(string raw)
    {
        Assert.True(SubjectNormalizer.TryNormalize(raw, SubjectType.PHONE, out var subject));
        return subject;
    }

    [Fact]
    public void Same_subject_gives_the_same_ref()
    {
        var hasher = new SubjectHasher("s3cret");
        Assert.Equal(hasher.RefOf(Phone("333 123 4567")), new SubjectHasher("s3cret").RefOf(Phone("+39 3331234567")));
    }

    [Fact]
    public void Different_subjects_give_different_refs()
    {
        var hasher = new SubjectHasher("s3cret");
        Assert.NotEqual(hasher.RefOf(Phone("333 123 4567")), hasher.RefOf(Phone("333 123 4568")));
    }

    [Fact]
    public void Different_secret_gives_a_different_ref()
    {
        var subject = Phone("333 123 4567");
        Assert.NotEqual(new SubjectHasher("s3cret").RefOf(subject), new SubjectHasher("other").RefOf(subject));
    }

    [Fact]
    public void Phone_and_address_with_the_same_text_give_different_refs()
    {
        var hasher = new SubjectHasher("s3cret");
        var asPhone = new NormalizedSubject(SubjectType.PHONE, "+393331234567");
        var asAddress = new NormalizedSubject(SubjectType.POSTAL_ADDRESS, "+393331234567");
        Assert.NotEqual(hasher.RefOf(asPhone), hasher.RefOf(asAddress));
    }

    [Theory]
    [InlineData("333 123 4567", SubjectType.PHONE)]
    [InlineData("Via Roma 1, 00100 Roma", SubjectType.POSTAL_ADDRESS)]
    public void Ref_is_32_lowercase_hex_characters_and_never_the_subject(string raw, SubjectType type)
    {
        Assert.True(SubjectNormalizer.TryNormalize(raw, type, out var subject));
        var reference = new SubjectHasher("s3cret").RefOf(subject);
        Assert.Matches("^[0-9a-f]{32}$", reference);
        Assert.DoesNotContain("3331234567", reference, StringComparison.Ordinal);
    }

    [Fact]
    public void Ref_is_a_keyed_HMAC_SHA256_of_the_typed_subject()
    {
        // HMAC-SHA256(key "s3cret", "tel:+393331234567"), first 16 bytes, computed independently
        var expected = Convert.ToHexStringLower(
            System.Security.Cryptography.HMACSHA256.HashData("s3cret"u8, "tel:+393331234567"u8))[..32];
        Assert.Equal(expected, new SubjectHasher("s3cret").RefOf(Phone("333 123 4567")));
    }

    [Fact]
    public void Empty_secret_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SubjectHasher(""));
    }

    [Fact]
    public void Validity_is_libphonenumbers_own_for_every_country_code()
    {
        // IsValidPhone applies IsValidNumber's rules with its own compiled patterns, and finds the region of a country
        // code shared by several regions and validates in one match where IsValidNumber matches twice: it must answer as
        // IsValidNumber for each number, valid or not. Numbers: every example number of every type of every region of
        // every country code, with its last digits redrawn and its length moved, and random digit strings; more of them
        // for the codes shared by several regions.
        var phones = PhoneNumbers.PhoneNumberUtil.GetInstance();
        var random = new Random(39);
        var checkedNumbers = 0;
        var valid = 0;
        foreach (var cc in Enumerable.Range(1, 999).Where(cc => phones.GetRegionCodesForCountryCode(cc).Count > 0))
        {
            var shared = phones.GetRegionCodesForCountryCode(cc).Count > 1;
            var nationals = new List<string>();
            foreach (var region in phones.GetRegionCodesForCountryCode(cc))
            {
                var examples = region == "001"
                    ? [phones.GetExampleNumberForNonGeoEntity(cc)]
                    : Enum.GetValues<PhoneNumbers.PhoneNumberType>().Select(type => phones.GetExampleNumberForType(region, type));
                nationals.AddRange(examples.OfType<PhoneNumbers.PhoneNumber>().Select(phones.GetNationalSignificantNumber));
            }
            for (var n = 0; n < (shared ? 400 : 40); n++)
            {
                nationals.Add(string.Concat(Enumerable.Range(0, random.Next(4, 14)).Select(_ => (char)('0' + random.Next(10)))));
            }
            foreach (var national in nationals)
            {
                for (var variant = 0; variant < (shared ? 40 : 10); variant++)
                {
                    var keep = random.Next(0, national.Length + 1);
                    var length = Math.Max(2, national.Length + random.Next(-2, 3));
                    var digits = national[..Math.Min(keep, length)] + string.Concat(Enumerable.Range(0, Math.Max(0, length - keep)).Select(_ => (char)('0' + random.Next(10))));
                    PhoneNumbers.PhoneNumber number;
                    try
                    {
                        number = phones.Parse("+" + cc.ToString(System.Globalization.CultureInfo.InvariantCulture) + digits, null);
                    }
                    catch (PhoneNumbers.NumberParseException)
                    {
                        continue;
                    }
                    var expected = phones.IsValidNumber(number);
                    Assert.True(expected == SubjectNormalizer.IsValidPhone(number), $"+{cc}{digits}: IsValidNumber {expected}");
                    checkedNumbers++;
                    valid += expected ? 1 : 0;
                }
            }
        }
        Assert.True(checkedNumbers > 200_000, $"{checkedNumbers} numbers checked");
        Assert.True(valid > 20_000, $"{valid} of them valid");
    }

    [Fact]
    public void A_region_without_a_general_pattern_takes_any_plausible_length_but_is_never_found_by_its_types()
    {
        // As libphonenumber's IsValidNumberForRegion and GetNumberType: no region of its current metadata lacks the
        // pattern, so the rule is checked on Italy's metadata without it.
        var italy = PhoneNumbers.PhoneNumberUtil.GetInstance().GetMetadataForRegion("IT");
        var bare = new SubjectNormalizer.RegionRules(PhoneNumbers.PhoneMetadata.CreateBuilder(italy).SetGeneralDesc(new PhoneNumbers.PhoneNumberDesc.Builder().Build()).Build());
        Assert.False(bare.IsValid("12"));
        Assert.True(bare.IsValid("123"));
        Assert.True(bare.IsValid("12345678901234567"));
        Assert.False(bare.IsValid("123456789012345678"));
        Assert.False(bare.HasType("3331234567"));
        Assert.True(new SubjectNormalizer.RegionRules(italy).HasType("3331234567"));
    }
}
