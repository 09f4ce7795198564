using Microsoft.Extensions.Options;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>
/// Every setting of the gate, one object per configuration section, as the options framework bound and
/// validated them (<see cref="GateSettingsRegistration.AddGateSettings"/>); what the gate compiles from them
/// (the policy rules, the topology's options) is built here once.
/// </summary>
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

    public ApiSettings Api { get; init; } = new();

    public bool Development { get; init; }

    /// <summary>The demo feed runs when asked, and by default on the embedded broker.</summary>
    public bool DemoEnabled => Demo.Enabled ?? Kafka.UseEmbedded;

    /// <summary>
    /// Every problem of every section, one line each naming the setting: what the options framework checks at
    /// start-up (<see cref="GateSettingsValidator"/>), for a gate built without a host (the bench, tests).
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var validator = new GateSettingsValidator(Development);
        ValidateOptionsResult[] results =
        [
            validator.Validate(null, Kafka),
            validator.Validate(null, Streams),
            validator.Validate(null, SchemaRegistry),
            validator.Validate(null, Subjects),
            validator.Validate(null, Policy),
            validator.Validate(null, Alerts),
            validator.Validate(null, Intake),
            validator.Validate(null, Demo),
            validator.Validate(null, Api),
        ];
        return [.. results.Where(r => r.Failed).SelectMany(r => r.Failures ?? [])];
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
