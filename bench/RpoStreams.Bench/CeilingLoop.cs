using System.Diagnostics;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Bench;


/// <summary>What the ceiling did.</summary>
internal sealed record CeilingResult(long Decisions, long Allowed, double MeasuredSeconds, long Measured, double TotalSeconds, int Transactions)
{
    public double PerSecond => MeasuredSeconds > 0 ? Measured / MeasuredSeconds : double.NaN;
}

/// <summary>
/// The ceiling: the least a gate must do, on the same broker and the same intents, without Streamiz. One
/// thread: a read_committed consumer on <c>calls.intents.v1</c> → Avro
/// decode (the same Confluent deserializer the gate wraps) → normalize (libphonenumber) and subjectRef
/// (HMAC) → look the subject up in in-memory tables of the register, consents and contacts → the same
/// <see cref="CallPolicy.Decide"/> → Avro encode a <see cref="CallDecision"/> → produce to a scratch topic,
/// in transactions committed every 100 ms with the consumed offsets (exactly-once, as the gate).
/// With <see cref="DurableSubjects"/>, the durable-state ceiling: the subject's state is read from and written to
/// RocksDB and a changelog instead of the in-memory tables, as the contract makes any gate do.
/// </summary>
internal sealed class CeilingLoop
{
    public const string ScratchTopic = "bench.ceiling.decisions";

    /// <summary>The ceiling's copy of the intents (the same bytes the gate read).</summary>
    public const string IntentsTopic = "bench.ceiling.intents";

    private readonly string bootstrap;
    private readonly RecordSerdes serdes;
    private readonly PolicyRules rules;
    private readonly SubjectHasher hasher;
    private readonly BenchData data;

    private readonly bool mockCompensation;
    private readonly DurableSubjects? durable;

    public CeilingLoop(string bootstrap, RecordSerdes serdes, PolicyRules rules, SubjectHasher hasher, BenchData data, bool mockCompensation, DurableSubjects? durable = null)
    {
        this.durable = durable;
        this.mockCompensation = mockCompensation;
        this.bootstrap = bootstrap;
        this.serdes = serdes;
        this.rules = rules;
        this.hasher = hasher;
        this.data = data;
    }

    private long decided;

    /// <summary>Decisions made so far (read by the feeder).</summary>
    public long Decided => Interlocked.Read(ref decided);

    /// <summary>
    /// Decides intents from <paramref name="topic"/> (read from the beginning) until <paramref name="expected"/>
    /// are decided; the rate is measured from decision number <paramref name="warmup"/> to the last, as for the gate.
    /// </summary>
    public CeilingResult Run(string topic, long expected, long warmup, TimeSpan commitInterval, TimeSpan timeout)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "rpo-bench-ceiling-" + id,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = mockCompensation ? GateWorker.CompensatedFetchWaitMaxMs : null,
        }).SetLogHandler((_, _) => { }).Build();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = "rpo-bench-ceiling",
            TransactionalId = "rpo-bench-ceiling-" + id,
            EnableIdempotence = true,
        }).SetLogHandler((_, _) => { }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        consumer.Assign(TopicPartitions.FromBeginning(consumer, topic));

        var contacts = new Dictionary<string, List<(string Company, Instant At)>>(StringComparer.Ordinal);
        var latestConsultation = data.Now;
        var decisionCtx = BenchData.Ctx(TopicNames.Decisions);
        var intentCtx = BenchData.Ctx(TopicNames.Intents);
        var clock = SystemClock.Instance;
        warmup = Math.Max(1, warmup);

        long decisions = 0, allowed = 0;
        var streamTime = Instant.MinValue;
        long warmStamp = 0, lastStamp = 0;
        var transactions = 0;
        var started = Stopwatch.StartNew();
        producer.BeginTransaction();
        var lastCommit = Stopwatch.GetTimestamp();
        while (decisions < expected && started.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(20));
            if (result?.Message?.Value is { } value)
            {
                var intent = serdes.CallIntent.Deserialize(value, intentCtx);
                CallDecision decision;
                if (durable is null)
                {
                    decision = Decide(intent, contacts, latestConsultation, clock);
                }
                else
                {
                    var arrival = Instant.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs);
                    streamTime = arrival > streamTime ? arrival : streamTime;
                    decision = durable.Decide(intent, SubjectRefOf(intent), arrival, streamTime, result.TopicPartitionOffset, latestConsultation, rules, clock, producer);
                }
                producer.Produce(ScratchTopic, new Message<string, byte[]> { Key = decision.intentId, Value = serdes.CallDecision.Serialize(decision, decisionCtx) });
                decisions++;
                Interlocked.Exchange(ref decided, decisions);
                if (decision.outcome == Outcome.ALLOWED)
                {
                    allowed++;
                }
                var now = Stopwatch.GetTimestamp();
                if (decisions == warmup)
                {
                    warmStamp = now;
                }
                lastStamp = now;
            }
            if (Stopwatch.GetElapsedTime(lastCommit) >= commitInterval || decisions >= expected)
            {
                durable?.Commit();
                producer.SendOffsetsToTransaction(
                    consumer.Assignment.Select(tp => new TopicPartitionOffset(tp, consumer.Position(tp))).Where(t => t.Offset.Value >= 0),
                    consumer.ConsumerGroupMetadata,
                    TimeSpan.FromSeconds(30));
                producer.CommitTransaction(TimeSpan.FromSeconds(30));
                transactions++;
                lastCommit = Stopwatch.GetTimestamp();
                if (decisions < expected)
                {
                    producer.BeginTransaction();
                }
            }
        }
        consumer.Close();
        if (decisions < expected)
        {
            throw new TimeoutException($"the ceiling decided {decisions} of {expected} intents in {timeout.TotalSeconds:0} s");
        }
        return new CeilingResult(decisions, allowed, Stopwatch.GetElapsedTime(warmStamp, lastStamp).TotalSeconds, decisions - warmup, started.Elapsed.TotalSeconds, transactions);
    }

    private string? SubjectRefOf(CallIntent intent) =>
        SubjectNormalizer.TryNormalize(intent.subject, SubjectNormalizer.TypeOf(intent.channel), out var subject) ? hasher.RefOf(subject) : null;

    /// <summary>What the gate's intake and DECIDE do for an intent, with in-memory state instead of stores.</summary>
    private CallDecision Decide(CallIntent intent, Dictionary<string, List<(string Company, Instant At)>> contacts, Instant latestConsultation, IClock clock)
    {
        var subjectRef = SubjectRefOf(intent);
        var decisionTime = intent.scheduledAt.ToInstant();
        var facts = new IntentFacts(intent.companyId, intent.channel, intent.purpose, subjectRef != null, intent.callerId, decisionTime);
        var subjectFacts = SubjectFacts.None;
        List<(string Company, Instant At)>? history = null;
        if (subjectRef != null)
        {
            data.RegisterTable.TryGetValue(subjectRef, out var register);
            ConsentFacts? consent = data.ConsentTable.TryGetValue(subjectRef, out var c) && c.Company == intent.companyId ? c.Consent : null;
            contacts.TryGetValue(subjectRef, out history);
            var allowedContacts = history is null ? [] : history.Where(h => h.Company == intent.companyId).Select(h => h.At).ToList();
            subjectFacts = new SubjectFacts(register, consent, allowedContacts);
        }
        var verdict = CallPolicy.Decide(facts, subjectFacts, latestConsultation, rules);
        if (subjectRef != null && CallPolicy.CountsTowardsCap(facts, verdict))
        {
            if (history is null)
            {
                contacts[subjectRef] = history = [];
            }
            history.Add((intent.companyId, decisionTime));
        }
        return DecisionRecords.Of(intent, verdict, subjectRef, decisionTime, clock.GetCurrentInstant());
    }
}
