using System.Text.RegularExpressions;

namespace RpoStreams.Contracts;

/// <summary>
/// Masks anything that looks like a phone number (a run of six or more digits, possibly with
/// spaces, dashes, dots or a leading + between them) in text that may reach a log or an output topic.
/// </summary>
public static partial class LogSafe
{
    /// <summary>What a masked number is replaced with.</summary>
    public const string Mask = "[number]";

    [GeneratedRegex(@"\+?\d(?:[\s\-./()]*\d){5,}", RegexOptions.CultureInvariant)]
    private static partial Regex NumberLike();

    public static string Text(string? text) => string.IsNullOrEmpty(text) ? string.Empty : NumberLike().Replace(text, Mask);
}
