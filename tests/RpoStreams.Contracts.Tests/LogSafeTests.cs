using CsCheck;
using RpoStreams.Tests.Shared;

namespace RpoStreams.Contracts.Tests;

/// <summary>No phone number reaches a log or an output text, however it is written (DESIGN section 2).</summary>
public class LogSafeTests
{
    [Theory]
    [InlineData("+393331234567")]
    [InlineData("333 123 4567")]
    [InlineData("0039 333-1234567")]
    [InlineData("+39 333 123 4567")]
    [InlineData("3331234567")]
    [InlineData("+39 02 1234 5678")]
    [InlineData("06 1234 5678")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("+999 1234 5678")]
    [InlineData("333\u2013123\u20134567")]
    [InlineData("333\u00AD123\u00AD4567")]
    [InlineData("333_123_4567")]
    [InlineData("333,123,4567")]
    [InlineData("333\u2022123\u20224567")]
    [InlineData("333~123~4567")]
    [InlineData("333\uFF0F123\uFF0F4567")]
    [InlineData("333\u30FC123\u30FC4567")]
    [InlineData("\U0001D7D1\U0001D7D1\U0001D7D1\U0001D7CF\U0001D7D0\U0001D7D1\U0001D7D2\U0001D7D3\U0001D7D4\U0001D7D5")]
    public void Log_text_masks_phone_numbers_in_any_writing(string number)
    {
        // Given a log line with a number in it
        var line = $"intent i-17 for {number} blocked";
        // When
        var masked = LogSafe.Text(line);
        // Then the number is gone, the rest stays
        Assert.Equal($"intent i-17 for {LogSafe.Mask} blocked", masked);
    }

    [Theory]
    [InlineData("connected to 127.0.0.1:9092")]
    [InlineData("bootstrap localhost:9092,broker-2:19092")]
    [InlineData("intent i-17 decided")]
    [InlineData("intent i-1234567 decided")]
    [InlineData("decided at 2026-03-10T10:00:00+01:00")]
    [InlineData("decided at 2026-03-10T09:00:00.123Z")]
    [InlineData("decided at 2026-03-10 10:00:00")]
    [InlineData("partition 3 offset 1234567")]
    [InlineData("subjectRef 3f2a9c0d1e4b5a6978877665544332211")]
    [InlineData("Via Roma 1, 00100 Roma")]
    [InlineData("no digits at all")]
    public void Log_text_leaves_addresses_ids_ports_and_timestamps_readable(string text)
    {
        Assert.Equal(text, LogSafe.Text(text));
    }

    [Theory]
    [InlineData("ACME3331234567", "ACME[number]")]
    [InlineData("IT3331234567", "IT[number]")]
    [InlineData("3331234567abc", "[number]abc")]
    [InlineData("campaign IT0612345678-spring", "campaign IT[number]-spring")]
    [InlineData("lead_39_3331234567x", "lead_[number]x")]
    [InlineData("ref 3f2a9c0d1e4b5a3331234567b8877665 at", "ref 3f2a9c0d1e4b5a3331234567b8877665 at")]
    [InlineData("x\uFF13\uFF13\uFF13\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17y", "x[number]y")]
    [InlineData("x\u0663\u0663\u0663\u0661\u0662\u0663\u0664\u0665\u0666\u0667y", "x[number]y")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3331234567", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa[number]")]
    [InlineData("order A2026031012 shipped", "order A2026031012 shipped")]
    public void A_number_glued_to_letters_is_masked_and_a_hash_is_not(string text, string expected)
    {
        Assert.Equal(expected, LogSafe.Text(text));
    }

    [Fact]
    public void Log_text_masks_every_number_in_a_line()
    {
        var masked = LogSafe.Text("caller +390212345678 called 333 123 4567 at 2026-03-10T10:00:00+01:00 on 127.0.0.1:9092");
        Assert.Equal($"caller {LogSafe.Mask} called {LogSafe.Mask} at 2026-03-10T10:00:00+01:00 on 127.0.0.1:9092", masked);
    }

    [Fact]
    public void Log_text_of_nothing_is_empty()
    {
        Assert.Equal(string.Empty, LogSafe.Text(null));
        Assert.Equal(string.Empty, LogSafe.Text(""));
    }

    [Fact]
    public void Any_writing_of_an_Italian_mobile_number_is_masked()
    {
        MobileNumbers.Gen.Sample(digits =>
        {
            foreach (var writing in MobileNumbers.Writings(digits))
            {
                var masked = LogSafe.Text($"intent i-17 to {writing.Trim()} at 2026-03-10T10:00:00+01:00");
                Assert.Equal($"intent i-17 to {LogSafe.Mask} at 2026-03-10T10:00:00+01:00", masked);
            }
        }, iter: 300);
    }

    [Fact]
    public void A_mobile_number_with_any_prefix_and_separator_is_masked()
    {
        var prefixes = Gen.OneOf(Gen.Const(""), Gen.Const("+39"), Gen.Const("+39 "), Gen.Const("0039"), Gen.Const("0039 "), Gen.Const("+39-"));
        var separators = Gen.OneOf(Gen.Const(""), Gen.Const(" "), Gen.Const("-"), Gen.Const("."));
        Gen.Select(prefixes, MobileNumbers.Gen, separators).Sample((prefix, digits, separator) =>
        {
            var written = $"{prefix}{digits[..3]}{separator}{digits[3..6]}{separator}{digits[6..]}";
            Assert.Equal($"intent i-17 to {LogSafe.Mask} at 2026-03-10T10:00:00+01:00", LogSafe.Text($"intent i-17 to {written} at 2026-03-10T10:00:00+01:00"));
        }, iter: 1_000);
    }
}
