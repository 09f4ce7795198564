using Microsoft.Extensions.Options;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>The gate's settings in the options framework: each section bound, validated at start, and gathered in one <see cref="GateConfiguration"/>.</summary>
public static partial class GateSettingsRegistration
{
    public static IServiceCollection AddGateSettings(this IServiceCollection services, IConfiguration configuration, bool development)
    {
        var validator = new GateSettingsValidator(development);
        services.AddSection<KafkaSettings>(configuration, "Kafka", validator);
        services.AddSection<StreamsSettings>(configuration, "Streams", validator);
        services.AddSection<SchemaRegistrySettings>(configuration, "SchemaRegistry", validator);
        services.AddSection<SubjectSettings>(configuration, "Subjects", validator);
        services.AddSection<AlertSettings>(configuration, "Alerts", validator);
        services.AddSection<IntakeSettings>(configuration, "Intake", validator);
        services.AddSection<DemoSettings>(configuration, "Demo", validator);
        services.AddSection<ApiSettings>(configuration, "Api", validator);
        services.AddSingleton<IValidateOptions<PolicySettings>>(validator);
        services.AddOptions<PolicySettings>().Configure(policy => BindPolicy(configuration.GetSection("Policy"), policy)).ValidateOnStart();
        services.AddSingleton(new SectionCheck((sp, problems) => Check<PolicySettings>(sp, problems, "Policy")));
        services.AddSingleton(sp => new GateConfiguration
        {
            Kafka = Value<KafkaSettings>(sp),
            Streams = Value<StreamsSettings>(sp),
            SchemaRegistry = Value<SchemaRegistrySettings>(sp),
            Subjects = Value<SubjectSettings>(sp),
            Policy = Value<PolicySettings>(sp),
            Alerts = Value<AlertSettings>(sp),
            Intake = Value<IntakeSettings>(sp),
            Demo = Value<DemoSettings>(sp),
            Api = Value<ApiSettings>(sp),
            Development = development,
        });
        services.AddSingleton(sp => sp.GetRequiredService<GateConfiguration>().Kafka);
        services.AddSingleton(sp => sp.GetRequiredService<GateConfiguration>().Api);
        return services;
    }

    /// <summary>
    /// Runs the start-up validation now, before anything starts, and writes each problem as one line
    /// <c>rpo-gate: {problem}</c> to stderr: every section's, including a value that cannot be read as its setting's
    /// type (a number, true or false), which the options framework would throw past the rest. False when there was one.
    /// </summary>
    public static bool SettingsAreValid(this IServiceProvider services)
    {
        var problems = new List<string>();
        foreach (var check in services.GetServices<SectionCheck>())
        {
            check(services, problems);
        }
        var configuration = services.GetRequiredService<IConfiguration>();
        if (configuration["Logging:Format"] is { } format && !LogFormats.Contains(format, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"Logging:Format '{format}' must be text, json or auto");
        }
        if (GateLogging.SerilogProblem(configuration) is { } logging)
        {
            problems.Add(logging);
        }
        if (problems.Count == 0 && services.GetRequiredService<GateConfiguration>() is var gate
            && StateDirProblem(gate.Streams.StateDir, gate.Kafka.UseEmbedded ? null : gate.Streams.ApplicationId) is { } stateDir)
        {
            problems.Add(stateDir);
        }
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"rpo-gate: {problem}");
        }
        return problems.Count == 0;
    }

    private static readonly string[] LogFormats = ["text", "json", "auto"];

    /// <summary>
    /// Whether the state directory can be made and written where the gate writes: in <c>{StateDir}/{ApplicationId}</c>, or in
    /// StateDir itself on the embedded broker (<paramref name="applicationId"/> null), whose runs each make a directory there.
    /// A file, or a place the gate may not write, failed later with no setting named.
    /// </summary>
    internal static string? StateDirProblem(string stateDir, string? applicationId)
    {
        if (File.Exists(stateDir))
        {
            return $"Streams:StateDir '{stateDir}' is a file, not a directory";
        }
        try
        {
            var path = applicationId is null ? stateDir : Path.Combine(stateDir, applicationId);
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".rpo-write-check-{Guid.NewGuid():N}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"Streams:StateDir '{stateDir}' cannot be written: {e.Message}";
        }
    }

    /// <summary>Reads one section's settings and adds what is wrong with them; one is registered with each section.</summary>
    private delegate void SectionCheck(IServiceProvider services, List<string> problems);

    private static void Check<T>(IServiceProvider services, List<string> problems, string section)
        where T : class
    {
        // Bound in the wrong shape, a setting throws with no name or is left at its default: said first, and alone.
        var shapes = SettingShapes.Problems(services.GetRequiredService<IConfiguration>(), section, typeof(T)).ToList();
        if (shapes.Count > 0)
        {
            problems.AddRange(shapes);
            return;
        }
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
        }
        catch (InvalidOperationException e) when (e.InnerException is not null && Unreadable().Match(e.Message) is { Success: true } m)
        {
            problems.Add($"{m.Groups["path"].Value} {(m.Groups["value"].Success ? $"'{m.Groups["value"].Value}' " : "")}must be {Expected(m.Groups["type"].Value)}");
        }
    }

    /// <summary>The binder's words for a value it cannot convert ("Failed to convert configuration value ['x' ]at 'A:B' to type 'T'.").</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex Unreadable();

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
        "System.Double" or "System.Decimal" or "System.Single" => "a number",
        "System.Boolean" => "true or false",
        _ => $"a {type}",
    };

    private static void AddSection<T>(this IServiceCollection services, IConfiguration configuration, string section, IValidateOptions<T> validator)
        where T : class
    {
        services.AddSingleton(validator);
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton(new SectionCheck((sp, problems) => Check<T>(sp, problems, section)));
    }

    /// <summary>A configured holiday list replaces the default instead of being appended to it.</summary>
    private static void BindPolicy(IConfigurationSection section, PolicySettings policy)
    {
        section.Bind(policy);
        var holidays = section.GetSection(nameof(PolicySettings.Holidays));
        if (holidays.Exists())
        {
            policy.Holidays = holidays.Get<List<string>>() ?? [];
        }
    }

    private static T Value<T>(IServiceProvider services) where T : class => services.GetRequiredService<IOptions<T>>().Value;
}
