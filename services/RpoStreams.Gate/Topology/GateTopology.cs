using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using StreamizTopology = Streamiz.Kafka.Net.Stream.Topology;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The gate as one Streamiz topology, built by a pure function: the host, <c>rpo replay</c> and the
/// tests all run this.
/// <code>
///  register, consents, intents, attempts ─► intake (decode, check, normalize) ─► dead letters
///     │ read in the subject's partition            └─ elsewhere ─► subject-events ─┐
///     └────────────────────────────────────────────────────────────────────────────┴─► DECIDE/AUDIT ─► decisions, alerts
///                                                     campaign counts ─► campaign-hours ─► LIST_NOT_SCRUBBED ─► alerts
///                                                       stale notices ─► stale-decisions ─► REGISTER_STALE ─► alerts
///  consultations ─► global store (latest consultation)
/// </code>
/// The four input topics and subject-events form one sub-topology: a task owns one partition of each, and
/// so every subject whose normalized form murmur2 puts in that partition (<see cref="SubjectPlacement"/>).
/// </summary>
public static class GateTopology
{
    public static StreamizTopology Build(GateTopologyOptions options)
    {
        var serdes = options.Serdes;
        var builder = new StreamBuilder();
        var strings = new StringSerDes();
        var bytes = new ByteArraySerDes();

        // Stores first: Streamiz needs them registered before a processor names them. The subject state (one
        // entry per subject) and the campaign tallies (one per company, campaign and hour, kept two days past the
        // hour: a feed that names a new campaign with every intent, or schedules across many hours, makes millions)
        // in RocksDB; the small ones in memory, restored from their changelogs: pending attempts (60 s of them),
        // partial counts (50 ms of them) and the register's freshness. The monitors' stores are not cached: a cache
        // would send its writes at the commit, and the commit would then wait for them after it had waited for
        // everything else (their writes are one per batch of counts, a few a second).
        builder.AddStateStore(Store(options, StoreNames.Subjects, serdes.SubjectState));
        builder.AddStateStore(Store(options, StoreNames.PendingAttempts, serdes.PendingAttempt, small: true));
        builder.AddStateStore(Store(options, StoreNames.CampaignPartials, serdes.CampaignCount, small: true));
        builder.AddStateStore(new CommitHookBuilder(StoreNames.SubjectCommits));
        builder.AddStateStore(Store(options, StoreNames.CampaignTallies, serdes.CampaignHourTally));
        builder.AddStateStore(Store(options, StoreNames.Freshness, serdes.FreshnessEpisode, small: true));

        // Consultations: a global store every task reads (the source topic is its changelog).
        builder.AddGlobalStore(
            Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(StoreNames.Consultations), strings, bytes).WithLoggingDisabled(),
            TopicNames.RegisterConsultations,
            ProcessorBuilder.New<string, byte[]>().Processor<ConsultationUpdater>(options).Build(),
            new KeyOrEmpty(),
            bytes,
            null,
            "consultations-global");

        // A record passes every merge after its own stream's: intents, the most records, are merged last (one merge node
        // on their way), attempts before them.
        var intake = Intake<RegisterUpdate, RegisterIntake>(builder, TopicNames.RegisterUpdates, "register", options)
            .Merge(Intake<ConsentEvent, ConsentIntake>(builder, TopicNames.Consents, "consents", options), "merge-consents")
            .Merge(Intake<CallAttempt, AttemptIntake>(builder, TopicNames.Attempts, "attempts", options), "merge-attempts")
            .Merge(Intake<CallIntent, IntentIntake>(builder, TopicNames.Intents, "intents", options), "merge-intents");
        var placed = intake.Branch("placement", (_, v, _) => v.DeadLetter != null, (_, v, _) => v.Here, (_, _, _) => true);

        Emitting(placed[0]
            .SelectKey((_, v, _) => v.DeadLetter!.sealedKey, "dead-letter-key")
            .MapValues((_, v, _) => v.DeadLetter!, "dead-letter-value"), TopicNames.DeadLetters, "dead-letters", options)
            .To(new FixedTopic<byte[], DeadLetter>(TopicNames.DeadLetters), null, bytes, serdes.DeadLetter, "dead-letters-sink");

        var relocated = placed[2].Repartition(Repartitioned<string, SubjectInput>.As(RepartitionNames.SubjectEvents)
            .WithKeySerdes(strings)
            .WithValueSerdes(new SubjectInputSerDes(serdes.SubjectEvent))
            .WithNumberOfPartitions(options.Partitions)
            .WithStreamPartitioner(new SubjectInputPartitioner()));

        var outputs = placed[1]
            .Merge(relocated, "merge-relocated")
            .Transform(
                TransformerBuilder.New<string, SubjectInput, string, GateOutput>().Transformer<SubjectProcessor>(options).Build(),
                "decide",
                [.. StoreNames.SubjectProcessorStores]);

        var kinds = outputs.Branch("outputs", (_, v, _) => v.Decision != null, (_, v, _) => v.Alert != null, (_, v, _) => v.Counts != null, (_, v, _) => v.Stale != null, (_, v, _) => v.Dead != null);
        Emitting(kinds[0], TopicNames.Decisions, "decisions", options).To(new FixedTopic<string, GateOutput>(TopicNames.Decisions), null, strings, new OutputPartSerDes<byte[]>(v => v.Decision, bytes), "decisions-sink");
        Emitting(kinds[1], TopicNames.Alerts, "alerts", options).To(new FixedTopic<string, GateOutput>(TopicNames.Alerts), null, strings, new OutputPartSerDes<ComplianceAlert>(v => v.Alert, serdes.ComplianceAlert), "alerts-sink");
        Emitting(kinds[4].SelectKey((_, v, _) => v.Dead!.sealedKey, "refused-key"), TopicNames.DeadLetters, "refused", options)
            .To(new FixedTopic<byte[], GateOutput>(TopicNames.DeadLetters), null, bytes, new OutputPartSerDes<DeadLetter>(v => v.Dead, serdes.DeadLetter), "refused-sink");

        Emitting(kinds[2]
            .MapValues((_, v, _) => v.Counts!, "campaign-counts")
            .Repartition(Repartitioned<string, CampaignCount>.As(RepartitionNames.CampaignHours)
                .WithKeySerdes(strings)
                .WithValueSerdes(serdes.CampaignCount)
                .WithNumberOfPartitions(options.Partitions))
            .Transform(
                TransformerBuilder.New<string, CampaignCount, string, ComplianceAlert>().Transformer<CampaignMonitor>(options).Build(),
                "list-scrubbing",
                StoreNames.CampaignTallies), TopicNames.Alerts, "list-alerts", options)
            .To(new FixedTopic<string, ComplianceAlert>(TopicNames.Alerts), null, strings, serdes.ComplianceAlert, "list-alerts-sink");

        Emitting(kinds[3]
            .MapValues((_, v, _) => v.Stale!, "stale-notices")
            .Repartition(Repartitioned<string, StaleNotice>.As(RepartitionNames.StaleDecisions)
                .WithKeySerdes(strings)
                .WithValueSerdes(serdes.StaleNotice)
                .WithNumberOfPartitions(1))
            .Transform(
                TransformerBuilder.New<string, StaleNotice, string, ComplianceAlert>().Transformer<RegisterFreshnessMonitor>(options).Build(),
                "register-freshness",
                StoreNames.Freshness), TopicNames.Alerts, "stale-alerts", options)
            .To(new FixedTopic<string, ComplianceAlert>(TopicNames.Alerts), null, strings, serdes.ComplianceAlert, "stale-alerts-sink");

        return builder.Build();
    }

    /// <summary>In replay, each record on its way to <paramref name="topic"/> is told to <see cref="GateTopologyOptions.OnEmit"/>; the service adds no node.</summary>
    private static IKStream<K, V> Emitting<K, V>(IKStream<K, V> stream, string topic, string name, GateTopologyOptions options) =>
        options.OnEmit is { } emitted ? stream.Peek((_, _, _) => emitted(topic), name + "-emitted") : stream;

    /// <summary>
    /// Every topic the topology reads or writes, with its partition count, internal topics included,
    /// so a broker without CreateTopics (the embedded one) can have them all before start.
    /// </summary>
    public static IReadOnlyList<(string Topic, int Partitions)> AllTopics(string applicationId, int partitions)
    {
        var topics = new List<(string, int)>
        {
            (TopicNames.RegisterUpdates, partitions),
            (TopicNames.RegisterConsultations, 1),
            (TopicNames.Consents, partitions),
            (TopicNames.Intents, partitions),
            (TopicNames.Attempts, partitions),
            (TopicNames.Decisions, partitions),
            (TopicNames.Alerts, partitions),
            (TopicNames.DeadLetters, 1),
            (InternalTopics.Repartition(applicationId, RepartitionNames.SubjectEvents), partitions),
            (InternalTopics.Repartition(applicationId, RepartitionNames.CampaignHours), partitions),
            (InternalTopics.Repartition(applicationId, RepartitionNames.StaleDecisions), 1),
            (InternalTopics.Changelog(applicationId, StoreNames.CampaignTallies), partitions),
            (InternalTopics.Changelog(applicationId, StoreNames.Freshness), 1),
        };
        topics.AddRange(StoreNames.SubjectStores.Select(s => (InternalTopics.Changelog(applicationId, s), partitions)));
        return topics;
    }

    private static IStoreBuilder<IKeyValueStore<string, T>> Store<T>(GateTopologyOptions options, string name, ISerDes<T> serdes, bool small = false)
    {
        var supplier = options.PersistentStores && !small ? new RocksDbStateStoreSupplier(name, options.RocksDb, options.KeepLocalStateOnCrash) : Stores.InMemoryKeyValueStore(name);
        return Stores.KeyValueStoreBuilder(supplier, new StringSerDes(), serdes);
    }

    private static IKStream<string, SubjectInput> Intake<T, TIntake>(StreamBuilder builder, string topic, string name, GateTopologyOptions options)
        where T : class, Avro.Specific.ISpecificRecord
        where TIntake : IntakeTransformer<T>, new()
    {
        return builder
            .Stream<byte[], byte[], ByteArraySerDes, ByteArraySerDes>(topic, $"{name}-source", new InputTimestamps())
            .Transform(TransformerBuilder.New<byte[], byte[], string, SubjectInput>().Transformer<TIntake>(options).Build(), $"{name}-intake");
    }
}

/// <summary>
/// A sink's topic, for sinks without a stream partitioner: the producer partitions by key (murmur2, as the
/// Java client), so a decision's partition follows from its intentId. (Streamiz 1.8.2's default partitioner
/// asks the cluster's metadata config for every record it writes.)
/// </summary>
public sealed class FixedTopic<TKey, TValue>(string topic) : ITopicNameExtractor<TKey, TValue>
{
    public string Extract(TKey key, TValue value, IRecordContext recordContext) => topic;
}
