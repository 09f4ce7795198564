using System.Text.RegularExpressions;
using PhoneNumbers;

namespace RpoStreams.Contracts;

/// <summary>
/// Masks phone numbers in text that may reach a log or an output topic: whatever libphonenumber finds
/// as a valid number (default region IT, any writing: <c>333 123 4567</c>, <c>0039 333-1234567</c>,
/// <c>+39 3331234567</c>), and any <c>+</c> followed by 8 to 15 digits. Addresses, ids, ports and
/// timestamps stay readable.
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
        if (!DigitRun().IsMatch(text))
        {
            return text;
        }
        var masked = International().Replace(text, Mask);
        var matches = Phones.FindNumbers(masked, "IT", PhoneNumberUtil.Leniency.VALID, long.MaxValue).ToList();
        if (matches.Count == 0)
        {
            return masked;
        }
        var sb = new System.Text.StringBuilder(masked.Length);
        var at = 0;
        foreach (var m in matches)
        {
            sb.Append(masked, at, m.Start - at).Append(Mask);
            at = m.Start + m.Length;
        }
        return sb.Append(masked, at, masked.Length - at).ToString();
    }
}
