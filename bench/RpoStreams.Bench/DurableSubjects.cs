using System.Text;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Crosscutting;

namespace RpoStreams.Bench;

/// <summary>
/// The durable-state ceiling's subject store: the state the contract makes any gate keep, without Streamiz. Each
/// decision reads its subject's state from the gate's own subject store (<see cref="RocksDbStateStore"/>, with the
/// gate's memory settings), decides from it, remembers the decision (and the contact) in it and writes it back: to
/// RocksDB in one sorted batch per commit, and as a changelog record to a scratch topic in the decision's transaction.
/// The register and the consents are loaded into it before the run, as the gate's stores hold them. Not done here, as
/// not in the plain ceiling: the campaign tallies, attempts and the sweep of expired state.
/// </summary>
internal sealed class DurableSubjects : IDisposable
{
    public const string ChangelogTopic = "bench.ceiling.subjects-changelog";

    /// <summary>The durable-state ceiling's copy of the intents (the same bytes the gate read).</summary>
    public const string IntentsTopic = "bench.ceiling-durable.intents";

    private readonly string dir;
    private readonly RocksDbStateStore store;
    private readonly AvroSerDes<SubjectState> states;
    private readonly AvroSerDes<CallDecision> decisions;
    private readonly SerializationContext stateContext = BenchData.Ctx(ChangelogTopic);
    private readonly IntakeSettings intake = new();

    public DurableSubjects(string dir, RecordSerdes serdes, BenchData data)
    {
        this.dir = dir;
        states = serdes.SubjectState;
        decisions = serdes.CallDecision;
        store = new RocksDbStateStore(StoreNames.Subjects, new RocksDbMemory(new StreamsSettings().RocksDbMemoryMb).Configure, logged: false);
        store.Open(dir);
        foreach (var (subjectRef, update, consent) in data.RegisterRecords())
        {
            Write(subjectRef, states.Serialize(new SubjectState
            {
                register = SubjectStateRules.Apply(null, update),
                consents = consent is null ? null : SubjectStateRules.Apply(null, consent),
            }, stateContext));
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
        var subject = subjectRef is null ? SubjectFacts.None : SubjectStateRules.FactsOf(state, intent.companyId, decisionTime);
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
        Write(key, value);
        producer.Produce(ChangelogTopic, new Message<string, byte[]> { Key = key, Value = value });
        return decision;
    }

    /// <summary>At a commit: the states written since the last go to RocksDB in one batch (the store's flush).</summary>
    public void Commit() => store.Flush();

    private SubjectState? Read(string key) =>
        store.Get(Bytes.Wrap(Encoding.UTF8.GetBytes(key))) is { } bytes ? states.Deserialize(bytes, stateContext) : null;

    private void Write(string key, byte[] value) => store.Put(Bytes.Wrap(Encoding.UTF8.GetBytes(key)), value);

    public void Dispose()
    {
        store.Close();
        Directory.Delete(dir, recursive: true);
    }
}
