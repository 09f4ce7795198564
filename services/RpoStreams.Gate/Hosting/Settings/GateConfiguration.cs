using NodaTime;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>Every setting of the gate, bound from configuration once and validated before anything starts.</summary>
public sealed class GateConfiguration
{
    public KafkaSettings Kafka { get; init; } = new();

    public StreamsSettings Streams { get; init; } = new();

    public SchemaRegistrySettings SchemaRegistry { get; init; } = new();

    public SubjectSettings Subjects { get; init; } = new();

    public PolicySettings Policy { get; init; } = new();

    public AlertSettings Alerts { get; init; } = new();

    public IntakeSettings Intake { get; init; } = new();

    public DemoSettings Demo { get; init; } = new();

    public Api.ApiSettings Api { get; init; } = new();

    public bool Development { get; init; }

    /// <summary>The demo feed runs when asked, and by default on the embedded broker.</summary>
    public bool DemoEnabled => Demo.Enabled ?? Kafka.UseEmbedded;

    public static GateConfiguration Bind(IConfiguration configuration, bool development)
    {
        var policy = new PolicySettings();
        var policySection = configuration.GetSection("Policy");
        policySection.Bind(policy);
        if (policySection.GetSection(nameof(PolicySettings.Holidays)).Exists())
        {
            // A configured holiday list replaces the default instead of being appended to it.
            policy.Holidays = policySection.GetSection(nameof(PolicySettings.Holidays)).Get<List<string>>() ?? [];
        }
        return new GateConfiguration
        {
            Kafka = configuration.GetSection("Kafka").Get<KafkaSettings>() ?? new(),
            Streams = configuration.GetSection("Streams").Get<StreamsSettings>() ?? new(),
            SchemaRegistry = configuration.GetSection("SchemaRegistry").Get<SchemaRegistrySettings>() ?? new(),
            Subjects = configuration.GetSection("Subjects").Get<SubjectSettings>() ?? new(),
            Policy = policy,
            Alerts = configuration.GetSection("Alerts").Get<AlertSettings>() ?? new(),
            Intake = configuration.GetSection("Intake").Get<IntakeSettings>() ?? new(),
            Demo = configuration.GetSection("Demo").Get<DemoSettings>() ?? new(),
            Api = configuration.GetSection("Api").Get<Api.ApiSettings>() ?? new(),
            Development = development,
        };
    }

    /// <summary>One line per bad setting, each naming it.</summary>
    public IReadOnlyList<string> Validate() =>
    [
        .. Kafka.Validate(Development),
        .. Streams.Validate(),
        .. Subjects.Validate(Development),
        .. Policy.Validate(),
        .. Alerts.Validate(),
        .. Intake.Validate(),
        .. Demo.Validate(),
        .. Api.Validate(Development),
        .. ValidateRegistry(),
    ];

    private IEnumerable<string> ValidateRegistry()
    {
        if (SchemaRegistry.IsRemote && !Uri.TryCreate(SchemaRegistry.Url!.Split(',')[0], UriKind.Absolute, out _))
        {
            yield return $"SchemaRegistry:Url '{SchemaRegistry.Url}' is not an absolute URL";
        }
    }

    private PolicyRules? rules;

    /// <summary>The policy compiled from <see cref="Policy"/> (calling window, holidays), built once for every user.</summary>
    public PolicyRules Rules => rules ??= PolicyRules.From(Policy);

    /// <summary>The secret subjectRef is keyed with (the development one only in Development).</summary>
    public string HashSecret => string.IsNullOrEmpty(Subjects.HashSecret) ? SubjectSettings.DevelopmentSecret : Subjects.HashSecret;

    public GateTopologyOptions TopologyOptions(RecordSerdes serdes, GateMetrics metrics, IDeadLetterPublisher? deadLetters, IClock clock, IPartitionOwnership? ownership = null, IPublishedDecisions? publishedDecisions = null, bool exactlyOnce = true) => new()
    {
        ApplicationId = Streams.ApplicationId,
        Partitions = Kafka.Partitions,
        Rules = Rules,
        Alerts = Alerts,
        Intake = Intake,
        Serdes = serdes,
        Hasher = new SubjectHasher(HashSecret),
        WallClock = clock,
        PersistentStores = true,
        RocksDb = new RocksDbMemory(Streams.RocksDbMemoryMb).Configure,
        KeepLocalStateOnCrash = !exactlyOnce,
        Metrics = metrics,
        GlobalDeadLetters = deadLetters,
        Ownership = ownership,
        PublishedDecisions = publishedDecisions,
    };
}
