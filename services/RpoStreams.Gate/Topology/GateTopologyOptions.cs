using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Gate.Topology;

/// <summary>Publishes dead letters from places that cannot forward to a sink (the global consultation store).</summary>
public interface IDeadLetterPublisher
{
    void Publish(byte[]? key, DeadLetter deadLetter);
}

/// <summary>
/// Development broker only (see docs/reliability.md): what has been published to calls.decisions.v1, by
/// intentId (the decision's wire bytes). There the gate runs at-least-once, so after a crash a task may
/// read again an intent whose decision was already published, or whose decision it published but did not
/// keep; this says which.
/// </summary>
public interface IPublishedDecisions
{
    /// <summary>
    /// The published decision for an intent, or null when none was published before
    /// <paramref name="since"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp). A task passes the
    /// moment it was created: by then every earlier owner of its partition has either flushed its output or
    /// died, so after one read of the topic up to its end offsets, a decision still missing was never published.
    /// </summary>
    byte[]? FindPublished(string intentId, long since);
}

/// <summary>Learns which subject partitions this instance's tasks own (the check API routes by it).</summary>
public interface IPartitionOwnership
{
    void Claim(int partition);

    void Release(int partition);
}

/// <summary>Everything <see cref="GateTopology.Build"/> needs. No I/O happens while building.</summary>
public sealed class GateTopologyOptions
{
    public required string ApplicationId { get; init; }

    /// <summary>Partitions of the input topics, and so of the repartition topics and changelogs: a subject's partition is computed from it.</summary>
    public required int Partitions { get; init; }

    public required PolicyRules Rules { get; init; }

    public required RecordSerdes Serdes { get; init; }

    public required SubjectHasher Hasher { get; init; }

    public AlertSettings Alerts { get; init; } = new();

    public IntakeSettings Intake { get; init; } = new();

    /// <summary>
    /// The wall clock that stamps decidedAt and detectedAt and drives wall-clock checks. Null in replay:
    /// then decidedAt is the decision time, detectedAt is stream time, and nothing reads the clock.
    /// </summary>
    public IClock? WallClock { get; init; }

    /// <summary>RocksDB stores with changelogs (the service); false gives in-memory stores (still changelogged).</summary>
    public bool PersistentStores { get; init; } = true;

    /// <summary>RocksDB options of the subject store (the service shares one block cache, see RocksDbMemory); null: RocksDB's defaults.</summary>
    public Action<RocksDbSharp.DbOptions>? RocksDb { get; init; }

    /// <summary>
    /// Whether the subject store logs its writes so local state survives a crash: yes at-least-once (the
    /// development broker), no under exactly-once, where local state is wiped after an unclean stop anyway.
    /// </summary>
    public bool KeepLocalStateOnCrash { get; init; } = true;

    public GateMetrics? Metrics { get; init; }

    public IDeadLetterPublisher? GlobalDeadLetters { get; init; }

    public IPartitionOwnership? Ownership { get; init; }

    /// <summary>
    /// Only on the development broker (librdkafka's mock cluster), where the gate runs at-least-once: the
    /// decisions visible in calls.decisions.v1, which say what was really published when a crash left local
    /// state and outputs out of step. Null on Kafka, whose transactions keep them in step.
    /// </summary>
    public IPublishedDecisions? PublishedDecisions { get; init; }

    /// <summary>How often a subject task sends its campaign counts on (the service); in replay they go at once.</summary>
    public TimeSpan CampaignFlushInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The dead letter of an input record that cannot be used: where it came from, why (numbers masked), its
    /// key, value and headers sealed, counted in rpo_deadletters_total. Time is the wall clock, or in replay the record's.
    /// </summary>
    public DeadLetter DeadLetterOf(string topic, int partition, long offset, string error, byte[]? key, byte[]? value, long timestampMs, Headers? headers = null)
    {
        Metrics?.DeadLettered(topic);
        var valueLength = value?.Length ?? -1;
        var encodedHeaders = InputHeaders.Encode(headers);
        var cut = new List<string>(3);
        key = Prefix(key, MaxSealedKeyBytes, "key", cut);
        value = Prefix(value, MaxSealedValueBytes, "value", cut);
        encodedHeaders = Prefix(encodedHeaders, MaxSealedHeaderBytes, "headers", cut);
        var text = cut.Count == 0 ? error : $"{error} (sealed: only {string.Join(", ", cut)})";
        return new DeadLetter
        {
            topic = topic,
            partition = partition,
            offset = offset,
            error = LogSafe.Text(text),
            sealedKey = Seal.Seal(key),
            sealedValue = Seal.Seal(value),
            sealedHeaders = Seal.Seal(encodedHeaders),
            valueLength = valueLength,
            failedAt = (WallClock?.GetCurrentInstant() ?? Instant.FromUnixTimeMilliseconds(Math.Max(0, timestampMs))).ToAvro(),
        };
    }

    /// <summary>
    /// At most this much of an unreadable record's key, value and headers is sealed into its dead letter, so that the
    /// letter (whose record key is the sealed key) stays well under Kafka's 1 MB message limit whatever came in: a
    /// letter too large to write would stop the stream on the same record at every restart. Keys and headers are
    /// short in any real feed; values over <see cref="IntakeSettings.MaxRecordBytes"/> are refused anyway.
    /// </summary>
    public const int MaxSealedKeyBytes = 4 * 1024;

    /// <inheritdoc cref="MaxSealedKeyBytes"/>
    public const int MaxSealedValueBytes = 256 * 1024;

    /// <inheritdoc cref="MaxSealedKeyBytes"/>
    public const int MaxSealedHeaderBytes = 16 * 1024;

    private static byte[]? Prefix(byte[]? bytes, int max, string what, List<string> cut)
    {
        if (bytes is null || bytes.Length <= max)
        {
            return bytes;
        }
        cut.Add(FormattableString.Invariant($"the first {max:N0} of the {bytes.Length:N0} bytes of its {what}"));
        return bytes[..max];
    }

    public DeadLetterSeal Seal => seal ??= new DeadLetterSeal(Hasher);

    private DeadLetterSeal? seal;

    /// <summary>
    /// Replay only: told the output topic of each record the topology sends, in the order it sends them, so that
    /// replay prints outputs in emission order (Streamiz's test driver keeps one list per topic). Null in the
    /// service, where no node is added for it.
    /// </summary>
    public Action<string>? OnEmit { get; init; }

    /// <summary>True when running deterministically (replay): no wall clock anywhere.</summary>
    public bool IsReplay => WallClock is null;
}
