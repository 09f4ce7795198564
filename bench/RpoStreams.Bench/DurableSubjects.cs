using System.Text;
using Confluent.Kafka;
using NodaTime;
using RocksDbSharp;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Bench;

/// <summary>
/// The durable-state ceiling's subject store: the state the contract makes any gate keep, without Streamiz. Each
/// decision reads its subject's state from RocksDB (opened as the gate's subject store is, with the gate's memory
/// settings), decides from it, remembers the decision (and the contact) in it and writes it back: to RocksDB in one
/// sorted batch per commit, and as a changelog record to a scratch topic in the decision's transaction. The register
/// and the consents are loaded into it before the run, as the gate's stores hold them. Not done here, as not in the
/// plain ceiling: the campaign tallies, attempts and the sweep of expired state.
/// </summary>
internal sealed class DurableSubjects : IDisposable
{
    public const string ChangelogTopic = "bench.ceiling.subjects-changelog";

    /// <summary>The durable-state ceiling's copy of the intents (the same bytes the gate read).</summary>
    public const string IntentsTopic = "bench.ceiling-durable.intents";

    private const int LoadBatch = 10_000;

    private readonly string dir;
    private readonly RocksDb db;
    private readonly WriteOptions write;
    private readonly AvroSerDes<SubjectState> states;
    private readonly AvroSerDes<CallDecision> decisions;
    private readonly SerializationContext stateContext = BenchData.Ctx(ChangelogTopic);
    private readonly IntakeSettings intake = new();
    private readonly Dictionary<string, byte[]> pending = new(StringComparer.Ordinal);

    public DurableSubjects(string dir, RecordSerdes serdes, BenchData data)
    {
        this.dir = dir;
        states = serdes.SubjectState;
        decisions = serdes.CallDecision;
        var memory = new RocksDbMemory(new StreamsSettings().RocksDbMemoryMb);
        (var options, write) = RocksDbStateStore.OpenOptions(memory.Configure, logged: false);
        Directory.CreateDirectory(dir);
        db = RocksDb.Open(options, dir);
        foreach (var (subjectRef, update, consent) in data.RegisterRecords())
        {
            pending[subjectRef] = states.Serialize(new SubjectState
            {
                register = SubjectStateRules.Apply(null, update),
                consents = consent is null ? null : SubjectStateRules.Apply(null, consent),
            }, stateContext);
            if (pending.Count >= LoadBatch)
            {
                Commit();
            }
        }
        Commit();
    }

    /// <summary>
    /// Decides <paramref name="intent"/> as the gate's subject task does: from its subject's stored state, a repeat
    /// from the decision kept there; a new decision is kept (and a contact, if it counts) and the state's new value
    /// goes to <paramref name="producer"/>'s open transaction.
    /// </summary>
    public CallDecision Decide(CallIntent intent, string? subjectRef, Instant arrival, Instant streamTime, TopicPartitionOffset source,
        Instant latestConsultation, PolicyRules rules, IClock clock, IProducer<string, byte[]> producer)
    {
        var key = subjectRef ?? StoreNames.IntentKey(intent.intentId);
        var state = Read(key);
        if (KnownDecisions.Find(state, intent.intentId, streamTime) is { } known)
        {
            return KnownDecisions.Decision(known, subjectRef, decisions);
        }
        var decisionTime = intent.scheduledAt.ToInstant();
        var facts = new IntentFacts(intent.companyId, intent.channel, intent.purpose, subjectRef != null, intent.callerId, decisionTime);
        var subject = subjectRef is null ? SubjectFacts.None : SubjectStateRules.FactsOf(state, intent.companyId);
        var verdict = CallPolicy.Decide(facts, subject, latestConsultation, rules);
        var decision = DecisionRecords.Of(intent, verdict, subjectRef, decisionTime, clock.GetCurrentInstant());
        decision.intentPartition = source.Partition.Value;
        decision.intentOffset = source.Offset.Value;
        state ??= new SubjectState();
        state.decisions = KnownDecisions.Remember(state, new KnownDecision
        {
            intentId = intent.intentId,
            decision = KnownDecisions.Keep(decision, decisions),
            keepUntil = KnownDecisions.KeepUntil(decisionTime, arrival, Duration.FromDays(intake.IdempotenceDays)).ToAvro(),
            sourcePartition = source.Partition.Value,
            sourceOffset = source.Offset.Value,
        }, streamTime);
        if (CallPolicy.CountsTowardsCap(facts, verdict))
        {
            var keepFrom = SubjectStateRules.KeepContactsFrom(streamTime, Duration.FromDays(intake.MaxPastSkewDays), rules);
            state.contacts = SubjectStateRules.Record(state.contacts, intent.companyId, intent.intentId, decisionTime, keepFrom);
        }
        var value = states.Serialize(state, stateContext);
        pending[key] = value;
        producer.Produce(ChangelogTopic, new Message<string, byte[]> { Key = key, Value = value });
        return decision;
    }

    /// <summary>At a commit: the states written since the last go to RocksDB in one batch, sorted by key.</summary>
    public void Commit()
    {
        if (pending.Count == 0)
        {
            return;
        }
        using (var batch = new WriteBatch())
        {
            foreach (var (key, value) in pending.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                batch.Put(Encoding.UTF8.GetBytes(key), value);
            }
            db.Write(batch, write);
        }
        pending.Clear();
    }

    private SubjectState? Read(string key)
    {
        var bytes = pending.TryGetValue(key, out var waiting) ? waiting : db.Get(Encoding.UTF8.GetBytes(key));
        return bytes is null ? null : states.Deserialize(bytes, stateContext);
    }

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
