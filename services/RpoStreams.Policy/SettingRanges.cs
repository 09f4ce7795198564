using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace RpoStreams.Policy;

/// <summary>The ranges settings classes declare with <see cref="RangeAttribute"/>, checked the same way by the host and by hostless tools.</summary>
public static class SettingRanges
{
    /// <summary>One line per public property of <paramref name="settings"/> outside its range, named <c>Section:Property</c>.</summary>
    public static IEnumerable<string> OutOfRange(string section, object settings)
    {
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is { } range && property.GetValue(settings) is { } value && !range.IsValid(value))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{section}:{property.Name} must be between {range.Minimum} and {range.Maximum} (got {value})");
            }
        }
    }
}
