using System.Collections;
using System.Reflection;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>
/// A setting with no property to take it, or given in a shape its property cannot take. The configuration binder throws on a list given for a text
/// ("Cannot create instance of type 'System.String'", naming no setting), ignores a list given for a number, and reads
/// one value given for a list as no list at all: the gate stopped with a stack trace, or started on a default (an
/// embedded broker for <c>Kafka__BootstrapServers__0</c>; no holidays for <c>Policy__Holidays=01-01</c>).
/// </summary>
public static class SettingShapes
{
    /// <summary>
    /// One line per setting under <paramref name="section"/> that <paramref name="settings"/> has no property for (a
    /// misspelt name was ignored, leaving the default), or that is given in the wrong shape, its entries' too.
    /// </summary>
    public static IEnumerable<string> Problems(IConfiguration configuration, string section, Type settings)
    {
        var properties = settings.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).ToList();
        foreach (var given in configuration.GetSection(section).GetChildren())
        {
            if (!properties.Any(p => p.Name.Equals(given.Key, StringComparison.OrdinalIgnoreCase)))
            {
                var near = Nearest(given.Key, properties.Select(p => p.Name));
                if (section == SecretNames && near is not { Distance: <= 2 })
                {
                    // Not a misspelt setting: perhaps an API key written one level too high (Api__<key>, Api__Keys_<key>).
                    yield return $"a name under {section} is not a setting ({section}__…; API keys go under {section}__Keys__<key>)";
                    continue;
                }
                yield return near is { } name ? $"{given.Path} is not a setting (did you mean {section}:{name.Name}?)" : $"{given.Path} is not a setting";
            }
        }
        foreach (var property in properties)
        {
            var given = configuration.GetSection($"{section}:{property.Name}");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var first = given.GetChildren().FirstOrDefault();
            if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
            {
                var named = typeof(IDictionary).IsAssignableFrom(type);
                if (first is null && !string.IsNullOrEmpty(given.Value))
                {
                    yield return named
                        ? $"{given.Path} is a set of names: give each as {given.Path}:NAME ({AsVariable(given.Path)}__NAME)"
                        : $"{given.Path} is a list: give its entries as {given.Path}:0, {given.Path}:1, … ({AsVariable(given.Path)}__0, …)";
                }
                else if (given.GetChildren().FirstOrDefault(entry => entry.GetChildren().Any()) is { } nested)
                {
                    // An entry's name can be a secret (an API key): named by its place only.
                    yield return named
                        ? $"an entry of {given.Path} is given as a list ({AsVariable(given.Path)}__…__0): each is one value"
                        : $"{nested.Path} is one value, not a list (given as {nested.GetChildren().First().Path})";
                }
            }
            else if (first is not null && IsValue(type))
            {
                yield return $"{given.Path} is one value, not a list (given as {first.Path}, {AsVariable(first.Path)})";
            }
        }
    }

    /// <summary>The name within two edits of <paramref name="key"/>, or that contains it or is contained in it, and how far it is.</summary>
    private static (string Name, int Distance)? Nearest(string key, IEnumerable<string> names) =>
        names.Select(n => (Name: n, Distance: Distance(key.ToUpperInvariant(), n.ToUpperInvariant())))
            .Where(c => c.Distance <= 2 || c.Name.Contains(key, StringComparison.OrdinalIgnoreCase) || key.Contains(c.Name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Distance)
            .Select(c => ((string Name, int Distance)?)c)
            .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>The section whose names can be secrets (API keys): a name in it is written only when it is a misspelt setting.</summary>
    private const string SecretNames = "Api";

    private static string AsVariable(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);
}
