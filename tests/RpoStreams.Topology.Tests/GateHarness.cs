using Confluent.Kafka;
using NodaTime;
using NodaTime.Testing;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// The gate topology in Streamiz's TopologyTestDriver, with typed inputs and outputs. Each test gets its
/// own harness (own state dir, own serdes). With a <see cref="FakeClock"/> the topology runs as the
/// service does (wall-clock stamps and checks); without one it runs as replay does.
/// </summary>
public sealed class GateHarness : IDisposable
{
    public const string Secret = "topology-tests-secret";

    private readonly string stateDir = Path.Combine(Path.GetTempPath(), "rpo-topology-" + Guid.NewGuid().ToString("N"));
    private readonly TopologyTestDriver driver;
    private readonly TestOutputTopic<string, CallDecision> decisions;
    private readonly TestOutputTopic<string, ComplianceAlert> alerts;
    private readonly TestOutputTopic<byte[], DeadLetter> deadLetters;
    private readonly Dictionary<string, TestInputTopic<byte[], byte[]>> raw = new();

    public GateHarness(FakeClock? clock = null, PolicySettings? policy = null, AlertSettings? alertSettings = null, IntakeSettings? intake = null, IPublishedDecisions? published = null, IPartitionOwnership? ownership = null, Confluent.SchemaRegistry.ISchemaRegistryClient? registry = null)
    {
        Serdes = registry is null ? RecordSerdes.Local() : new RecordSerdes(registry);
        Clock = clock;
        Options = new GateTopologyOptions
        {
            ApplicationId = "rpo-test",
            Partitions = 1,
            Rules = policy is null ? PolicyRules.Default : PolicyRules.From(policy),
            Alerts = alertSettings ?? new AlertSettings(),
            Intake = intake ?? new IntakeSettings(),
            Serdes = Serdes,
            Hasher = new SubjectHasher(Secret),
            WallClock = clock,
            PersistentStores = true,
            PublishedDecisions = published,
            Ownership = ownership,
        };
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = Options.ApplicationId,
            StateDir = stateDir,
            Logger = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
        driver = new TopologyTestDriver(GateTopology.Build(Options), config);
        var strings = new StringSerDes();
        decisions = driver.CreateOutputTopic(TopicNames.Decisions, TimeSpan.Zero, strings, Serdes.CallDecision);
        alerts = driver.CreateOutputTopic(TopicNames.Alerts, TimeSpan.Zero, strings, Serdes.ComplianceAlert);
        deadLetters = driver.CreateOutputTopic(TopicNames.DeadLetters, TimeSpan.Zero, new ByteArraySerDes(), Serdes.DeadLetter);
        // Creating every input up front creates every task, as a running instance owns all of them.
        foreach (var topic in TopicNames.Inputs)
        {
            raw[topic] = driver.CreateInputTopic(topic, new ByteArraySerDes(), new ByteArraySerDes());
        }
    }

    public RecordSerdes Serdes { get; }

    public GateTopologyOptions Options { get; }

    public FakeClock? Clock { get; }

    public string RefOf(string phone) =>
        Options.Hasher.RefOf(new NormalizedSubject(SubjectType.PHONE, SubjectNormalizer.TryNormalizePhone(phone, out var e164) ? e164 : throw new ArgumentException(phone)));

    public void Consultation(Instant at, string feed = "feed-1", Instant? arrivedAt = null) =>
        Send(TopicNames.RegisterConsultations, feed, Serdes.RegisterConsultation, new RegisterConsultation { consultedAt = at.ToAvro(), feedId = feed }, arrivedAt ?? at);

    public void Register(string subject, RegisterAction action, Instant effectiveAt, SubjectType type = SubjectType.PHONE, Instant? arrivedAt = null) =>
        Send(TopicNames.RegisterUpdates, subject, Serdes.RegisterUpdate, new RegisterUpdate { subject = subject, subjectType = type, action = action, effectiveAt = effectiveAt.ToAvro() }, arrivedAt ?? effectiveAt);

    public void Consent(string subject, string company, ConsentAction action, ConsentBasis? basis, Instant at, Instant? contractEndedAt = null, SubjectType type = SubjectType.PHONE, Instant? arrivedAt = null) =>
        Send(TopicNames.Consents, subject, Serdes.ConsentEvent, new ConsentEvent
        {
            subject = subject,
            subjectType = type,
            companyId = company,
            action = action,
            basis = basis,
            at = at.ToAvro(),
            contractEndedAt = contractEndedAt?.ToAvro(),
        }, arrivedAt ?? at);

    /// <summary>Sends an intent; its record timestamp (arrival) is <paramref name="arrivedAt"/>, by default its scheduledAt.</summary>
    public void Intent(CallIntent intent, Instant? arrivedAt = null) =>
        Send(TopicNames.Intents, intent.intentId, Serdes.CallIntent, intent, arrivedAt ?? intent.scheduledAt.ToInstant());

    /// <summary>Sends an attempt; its record timestamp (arrival) is <paramref name="arrivedAt"/>, by default its startedAt.</summary>
    public void Attempt(CallAttempt attempt, Instant? arrivedAt = null) =>
        Send(TopicNames.Attempts, attempt.attemptId, Serdes.CallAttempt, attempt, arrivedAt ?? attempt.startedAt.ToInstant());

    private void Send<T>(string topic, string key, AvroSerDes<T> serde, T value, Instant timestamp) where T : class, Avro.Specific.ISpecificRecord =>
        Raw(topic, System.Text.Encoding.UTF8.GetBytes(key), Encode(serde, value, topic), timestamp.ToDateTimeUtc());

    /// <summary>Pipes raw bytes (key and value as given) to an input topic.</summary>
    public void Raw(string topic, byte[]? key, byte[]? value, DateTime? timestamp = null, Headers? headers = null)
    {
        if (!raw.TryGetValue(topic, out var input))
        {
            raw[topic] = input = driver.CreateInputTopic(topic, new ByteArraySerDes(), new ByteArraySerDes());
        }
        input.PipeInput(key!, value!, timestamp ?? DateTime.UtcNow, headers);
    }

    public byte[] Encode<T>(AvroSerDes<T> serde, T value, string topic) where T : class, Avro.Specific.ISpecificRecord =>
        serde.Serialize(value, new SerializationContext(MessageComponentType.Value, topic));

    public List<CallDecision> Decisions() => decisions.ReadValueList().ToList();

    public List<ComplianceAlert> Alerts() => alerts.ReadValueList().ToList();

    /// <summary>Alerts with their record keys.</summary>
    public List<(string Key, ComplianceAlert Alert)> AlertRecords() => alerts.ReadKeyValueList().Select(kv => (kv.Message.Key, kv.Message.Value)).ToList();

    public List<DeadLetter> DeadLetters() => deadLetters.ReadValueList().ToList();

    /// <summary>Decisions with their records' headers.</summary>
    public List<(CallDecision Decision, Headers Headers)> DecisionRecords() => decisions.ReadKeyValueList().Select(kv => (kv.Message.Value, kv.Message.Headers)).ToList();

    /// <summary>Dead letters with their records' headers.</summary>
    public List<(DeadLetter Letter, Headers Headers)> DeadLetterRecords() => deadLetters.ReadKeyValueList().Select(kv => (kv.Message.Value, kv.Message.Headers)).ToList();

    public CallDecision SingleDecision()
    {
        var list = Decisions();
        return Assert.Single(list);
    }

    /// <summary>The attempts waiting for their intent's decision, as the pending store holds them.</summary>
    public List<PendingAttempt> PendingAttempts() =>
        driver.GetKeyValueStore<string, PendingAttempt>(StoreNames.PendingAttempts).All().Select(e => e.Value).ToList();

    /// <summary>Advances the fake wall clock and the driver's clock together (wall-clock punctuations run).</summary>
    public void AdvanceWallClock(Duration by)
    {
        Clock?.Advance(by);
        driver.AdvanceWallClockTime(by.ToTimeSpan());
    }

    public void Dispose()
    {
        driver.Dispose();
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }
}

/// <summary>Builders for the records tests send.</summary>
public static class Make
{
    public static readonly DateTimeZone Rome = DateTimeZoneProviders.Tzdb["Europe/Rome"];

    /// <summary>A local time in Rome as an instant.</summary>
    public static Instant Rome_(int year, int month, int day, int hour, int minute = 0, int second = 0) =>
        new LocalDateTime(year, month, day, hour, minute, second).InZoneStrictly(Rome).ToInstant();

    public static CallIntent Intent(string id, string subject, Instant at, string company = "ACME", Purpose purpose = Purpose.PROMOTIONAL,
        Channel channel = Channel.PHONE, string? callerId = "+390212345678", string campaign = "C1", string callCenter = "CC-1") => new()
    {
        intentId = id,
        companyId = company,
        callCenterId = callCenter,
        campaignId = campaign,
        channel = channel,
        subject = subject,
        callerId = callerId,
        purpose = purpose,
        scheduledAt = at.ToAvro(),
    };

    public static CallAttempt Attempt(string id, string? intentId, string subject, Instant startedAt, string company = "ACME", string campaign = "C1", string callCenter = "CC-1") => new()
    {
        attemptId = id,
        intentId = intentId,
        companyId = company,
        callCenterId = callCenter,
        campaignId = campaign,
        subject = subject,
        callerId = "+390212345678",
        startedAt = startedAt.ToAvro(),
    };
}
