using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net;
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
///                                              └─► subject-events (by subjectRef) ─► DECIDE/AUDIT ─► decisions, alerts
///                                                     decisions ─► campaign-hours ─► LIST_NOT_SCRUBBED
///                                                     decisions ─► stale-decisions (1 partition) ─► REGISTER_STALE
///  consultations ─► global store (latest consultation)
/// </code>
/// </summary>
public static class GateTopology
{
    public static StreamizTopology Build(GateTopologyOptions options)
    {
        var serdes = options.Serdes;
        var builder = new StreamBuilder();
        var strings = new StringSerDes();
        var bytes = new ByteArraySerDes();

        // Stores first: Streamiz needs them registered before a processor names them.
        // The large stores (one entry per subject, per recent intent) in RocksDB; the small ones in memory,
        // restored from their changelogs (RocksDB flushes every store at every commit: fewer is faster).
        builder.AddStateStore(Store(options, StoreNames.Subjects, serdes.SubjectState));
        builder.AddStateStore(Store(options, StoreNames.Decisions, serdes.CallDecision));
        builder.AddStateStore(Store(options, StoreNames.PendingAttempts, serdes.PendingAttempt, small: true));
        // Few, hot keys: cached, so a tally reaches its changelog once per commit, not per decision.
        builder.AddStateStore(Store(options, StoreNames.CampaignTallies, serdes.CampaignHourTally, small: true).WithCachingEnabled());
        builder.AddStateStore(Store(options, StoreNames.Freshness, serdes.FreshnessEpisode, small: true).WithCachingEnabled());
        foreach (var name in new[] { StoreNames.IntakePositions, StoreNames.SubjectPositions, StoreNames.CampaignPositions, StoreNames.StalePositions })
        {
            builder.AddStateStore(Store(options, name, strings, small: true).WithCachingEnabled());
        }
        foreach (var name in new[] { StoreNames.IntakeCommits, StoreNames.SubjectCommits, StoreNames.CampaignCommits, StoreNames.StaleCommits })
        {
            builder.AddStateStore(new CommitSignalBuilder(name));
        }

        // Consultations: a global store every task reads (the source topic is its changelog).
        builder.AddGlobalStore(
            Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(StoreNames.Consultations), strings, bytes).WithLoggingDisabled(),
            TopicNames.RegisterConsultations,
            ProcessorBuilder.New<string, byte[]>().Processor<ConsultationUpdater>(options).Build(),
            strings,
            bytes,
            null,
            "consultations-global");

        var register = Intake<RegisterUpdate, RegisterIntake>(builder, TopicNames.RegisterUpdates, "register", options);
        var consents = Intake<ConsentEvent, ConsentIntake>(builder, TopicNames.Consents, "consents", options);
        var intents = Intake<CallIntent, IntentIntake>(builder, TopicNames.Intents, "intents", options);
        var attempts = Intake<CallAttempt, AttemptIntake>(builder, TopicNames.Attempts, "attempts", options);

        var intake = register.Merge(consents, "merge-consents").Merge(intents, "merge-intents").Merge(attempts, "merge-attempts");
        var intakeBranches = intake.Branch("intake-branch", (_, v, _) => v.DeadLetter != null, (_, v, _) => v.Event != null);

        intakeBranches[0]
            .SelectKey((_, v, _) => v.DeadLetter!.sealedKey, "dead-letter-key")
            .MapValues((_, v, _) => v.DeadLetter!, "dead-letter-value")
            .To(TopicNames.DeadLetters, bytes, serdes.DeadLetter, "dead-letters-sink");

        var outputs = intakeBranches[1]
            .MapValues((_, v, _) => v.Event!, "subject-event")
            .Repartition(Repartitioned<string, SubjectEvent>.As(RepartitionNames.SubjectEvents)
                .WithKeySerdes(strings)
                .WithValueSerdes(serdes.SubjectEvent)
                .WithNumberOfPartitions(options.Partitions)
                .WithStreamPartitioner(new SubjectPartitioner()))
            .Transform(
                TransformerBuilder.New<string, SubjectEvent, string, GateOutput>().Transformer<SubjectProcessor>(options).Build(),
                "decide",
                [.. StoreNames.SubjectStores, StoreNames.SubjectCommits]);

        var outputBranches = outputs.Branch("output-branch", (_, v, _) => v.Decision != null, (_, v, _) => v.Alert != null);
        var decisions = outputBranches[0];
        decisions
            .MapValues((_, v, _) => v.Decision!, "decision-value")
            .To(TopicNames.Decisions, strings, serdes.CallDecision, "decisions-sink");
        outputBranches[1]
            .MapValues((_, v, _) => v.Alert!, "alert-value")
            .To(TopicNames.Alerts, strings, serdes.ComplianceAlert, "alerts-sink");

        // Only first answers count: a repeated intentId must not be counted twice.
        var fresh = decisions
            .Filter((_, v, _) => !v.Repeated, "fresh-decisions")
            .MapValues((_, v, _) => v.Decision!, "fresh-decision-value");

        var zone = options.Rules.Zone;
        fresh
            .Filter((_, d, _) => d.purpose != Purpose.SERVICE, "promotional-decisions")
            .SelectKey((_, d, _) => CampaignMonitor.KeyOf(d, zone), "campaign-hour-key")
            .Repartition(Repartitioned<string, CallDecision>.As(RepartitionNames.CampaignHours)
                .WithKeySerdes(strings)
                .WithValueSerdes(serdes.CallDecision)
                .WithNumberOfPartitions(options.Partitions))
            .Transform(
                TransformerBuilder.New<string, CallDecision, string, ComplianceAlert>().Transformer<CampaignMonitor>(options).Build(),
                "list-scrubbing",
                StoreNames.CampaignTallies,
                StoreNames.CampaignPositions,
                StoreNames.CampaignCommits)
            .To(TopicNames.Alerts, strings, serdes.ComplianceAlert, "list-alerts-sink");

        fresh
            .Filter((_, d, _) => d.reasons.Contains(Reason.REGISTER_STALE), "stale-decisions")
            .SelectKey((_, _, _) => "register", "stale-key")
            .Repartition(Repartitioned<string, CallDecision>.As(RepartitionNames.StaleDecisions)
                .WithKeySerdes(strings)
                .WithValueSerdes(serdes.CallDecision)
                .WithNumberOfPartitions(1))
            .Transform(
                TransformerBuilder.New<string, CallDecision, string, ComplianceAlert>().Transformer<RegisterFreshnessMonitor>(options).Build(),
                "register-freshness",
                StoreNames.Freshness,
                StoreNames.StalePositions,
                StoreNames.StaleCommits)
            .To(TopicNames.Alerts, strings, serdes.ComplianceAlert, "stale-alerts-sink");

        return builder.Build();
    }

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
            ($"{applicationId}-{RepartitionNames.SubjectEvents}-repartition", partitions),
            ($"{applicationId}-{RepartitionNames.CampaignHours}-repartition", partitions),
            ($"{applicationId}-{RepartitionNames.StaleDecisions}-repartition", 1),
            ($"{applicationId}-{StoreNames.CampaignTallies}-changelog", partitions),
            ($"{applicationId}-{StoreNames.CampaignPositions}-changelog", partitions),
            ($"{applicationId}-{StoreNames.Freshness}-changelog", 1),
            ($"{applicationId}-{StoreNames.StalePositions}-changelog", 1),
            ($"{applicationId}-{StoreNames.IntakePositions}-changelog", partitions),
        };
        topics.AddRange(StoreNames.SubjectStores.Select(s => ($"{applicationId}-{s}-changelog", partitions)));
        return topics;
    }

    private static IStoreBuilder<IKeyValueStore<string, T>> Store<T>(GateTopologyOptions options, string name, ISerDes<T> serdes, bool small = false)
    {
        var supplier = options.PersistentStores && !small ? Stores.PersistentKeyValueStore(name) : Stores.InMemoryKeyValueStore(name);
        return Stores.KeyValueStoreBuilder(supplier, new StringSerDes(), serdes);
    }

    private static IKStream<string, Intake> Intake<T, TIntake>(StreamBuilder builder, string topic, string name, GateTopologyOptions options)
        where T : class, Avro.Specific.ISpecificRecord
        where TIntake : IntakeTransformer<T>, new()
    {
        var bytes = new ByteArraySerDes();
        return builder
            .Stream(topic, bytes, bytes, $"{name}-source")
            // Streamiz hands no null-keyed record to a stateful transformer; mark it so intake can dead-letter it.
            .Map((k, v, _) => KeyValuePair.Create(k ?? IntakeKeys.Null, v), $"{name}-null-key")
            .Transform(TransformerBuilder.New<byte[], byte[], string, Intake>().Transformer<TIntake>(options).Build(), $"{name}-intake", StoreNames.IntakePositions, StoreNames.IntakeCommits);
    }
}
