using CsCheck;

namespace RpoStreams.Tests.Shared;

/// <summary>Valid Italian mobile numbers and the ways people and systems write them (compiled into the test projects that need them).</summary>
internal static class MobileNumbers
{
    private static readonly string[] Prefixes =
        ["320", "324", "327", "328", "329", "330", "331", "333", "334", "335", "336", "337", "338", "339",
         "340", "342", "345", "346", "347", "348", "349", "366", "368", "380", "388", "389", "391", "392", "393"];

    /// <summary>A valid Italian mobile number as 10 national digits.</summary>
    public static readonly Gen<string> Gen =
        CsCheck.Gen.Select(CsCheck.Gen.OneOf(Prefixes), CsCheck.Gen.Int[0, 9_999_999], (prefix, rest) => prefix + rest.ToString("D7"));

    /// <summary>Ways people and systems write an Italian mobile number.</summary>
    public static string[] Writings(string digits)
    {
        var (p, a, b) = (digits[..3], digits[3..6], digits[6..]);
        return
        [
            digits,
            $"{p} {a} {b}",
            $"{p}-{a}{b}",
            $"{p}.{a}.{b}",
            $"({p}) {a} {b}",
            $"+39{digits}",
            $"+39 {digits}",
            $"+39 {p} {a} {b}",
            $"+39-{p}-{a}-{b}",
            $"0039{digits}",
            $"0039 {p}-{a}{b}",
            $"  {p} {a} {b}  ",
        ];
    }
}
