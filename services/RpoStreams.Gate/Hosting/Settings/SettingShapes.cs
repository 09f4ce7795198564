using System.Collections;
using System.Reflection;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>
/// A setting given in a shape its property cannot take. The configuration binder throws on a list given for a text
/// ("Cannot create instance of type 'System.String'", naming no setting), ignores a list given for a number, and reads
/// one value given for a list as no list at all: the gate stopped with a stack trace, or started on a default (an
/// embedded broker for <c>Kafka__BootstrapServers__0</c>; no holidays for <c>Policy__Holidays=01-01</c>).
/// </summary>
public static class SettingShapes
{
    /// <summary>One line per property of <paramref name="settings"/> given under <paramref name="section"/> in the wrong shape.</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration, string section, Type settings)
    {
        foreach (var property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                continue;
            }
            var given = configuration.GetSection($"{section}:{property.Name}");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var first = given.GetChildren().FirstOrDefault();
            if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
            {
                if (first is null && !string.IsNullOrEmpty(given.Value))
                {
                    yield return typeof(IDictionary).IsAssignableFrom(type)
                        ? $"{given.Path} is a set of names: give each as {given.Path}:NAME ({Environment(given.Path)}__NAME)"
                        : $"{given.Path} is a list: give its entries as {given.Path}:0, {given.Path}:1, … ({Environment(given.Path)}__0, …)";
                }
            }
            else if (first is not null && IsValue(type))
            {
                yield return $"{given.Path} is one value, not a list (given as {first.Path}, {Environment(first.Path)})";
            }
        }
    }

    private static string Environment(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);
}
