using Microsoft.Extensions.Options;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>The gate's settings in the options framework: each section bound, validated at start, and gathered in one <see cref="GateConfiguration"/>.</summary>
public static class GateSettingsRegistration
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
    /// <c>rpo-gate: {problem}</c> to stderr. False when there was one.
    /// </summary>
    public static bool SettingsAreValid(this IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var failures = e is AggregateException all ? all.InnerExceptions.OfType<OptionsValidationException>().SelectMany(o => o.Failures) : ((OptionsValidationException)e).Failures;
            foreach (var failure in failures)
            {
                Console.Error.WriteLine($"rpo-gate: {failure}");
            }
            return false;
        }
    }

    private static void AddSection<T>(this IServiceCollection services, IConfiguration configuration, string section, IValidateOptions<T> validator)
        where T : class
    {
        services.AddSingleton(validator);
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
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
