using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Simulation;

/// <summary>
/// What <c>rpo audit</c> found; <c>Unreadable</c> counts the intents (not dead-lettered) and decisions it could not read
/// (another registry's schema ids, say): it cannot vouch for them, so the audit is not clean.
/// </summary>
public sealed record AuditResult(long Intents, long Decisions, long Missing, long Duplicated, long DeadLettered, long Unreadable = 0, long Reused = 0)
{
    public bool Clean => Missing == 0 && Duplicated == 0 && Unreadable == 0;

    public override string ToString() =>
        $"intents: {Intents} decisions: {Decisions} missing: {Missing} duplicated: {Duplicated}" + (Unreadable > 0 ? $" unreadable: {Unreadable}" : string.Empty)
        + (Reused > 0 ? $" intentIds reused for another number: {Reused}" : string.Empty);
}

/// <summary>
/// Checks "exactly one decision per intent" from the outside: reads every intent, decision and dead letter
/// with read_committed and compares. An intent is an intentId for one subject (as normalized; every invalid subject
/// counts as one): an intentId a producer used again for another number is another intent, which the gate decides
/// again (counted in <c>Reused</c>). Only decisions of intents it read count (a decision names its intent's record):
/// on live traffic, one for an intent sent later stands in for none. An intent is missing when it has no decision
/// (dead-lettered intents excepted: they are not intents the gate could read); an intentId is duplicated when it has
/// more decisions than subjects, or two for one subjectRef (so is an intentId sent again after Intake:IdempotenceDays,
/// which the gate decides again).
/// </summary>
public sealed class DecisionAudit
{
    private readonly string bootstrap;
    private readonly RecordSerdes serdes;
    private readonly KafkaClientFactory? clients;

    public DecisionAudit(string bootstrap, RecordSerdes serdes, KafkaClientFactory? clients = null)
    {
        this.bootstrap = bootstrap;
        this.serdes = serdes;
        this.clients = clients;
    }

    public AuditResult Run(TimeSpan wait, Action<string>? progress = null)
    {
        var intents = new SentIntents();
        var deadIntents = DeadIntents();
        var unreadableIntents = new HashSet<(int, long)>();
        long unreadable = 0;
        foreach (var (tpo, value) in ReadToEnd(TopicNames.Intents))
        {
            if (deadIntents.Contains((tpo.Partition.Value, tpo.Offset.Value)))
            {
                continue;
            }
            var intent = Decode(serdes.CallIntent, value, TopicNames.Intents);
            if (intent != null)
            {
                intents.Add(intent.intentId, SubjectOf(intent), (tpo.Partition.Value, tpo.Offset.Value));
            }
            else
            {
                unreadableIntents.Add((tpo.Partition.Value, tpo.Offset.Value));
            }
        }
        progress?.Invoke($"read {intents.Count} intents ({deadIntents.Count} dead-lettered{(unreadableIntents.Count > 0 ? $", {unreadableIntents.Count} not readable with this registry" : string.Empty)})");

        var decisions = new Dictionary<string, List<CallDecision>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        using var consumer = Consumer("rpo-audit-decisions");
        consumer.Assign(TopicPartitions.FromBeginning(consumer, TopicNames.Decisions));
        long count = 0;
        var lastSaid = TimeSpan.Zero;
        while (true)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            if (result?.Message?.Value is { } value)
            {
                var decision = Decode(serdes.CallDecision, value, TopicNames.Decisions);
                if (decision != null)
                {
                    count++;
                    if (!intents.Answers(decision))
                    {
                        // An intent sent after the audit read them (live traffic), or one it did not read.
                        continue;
                    }
                    if (!decisions.TryGetValue(decision.intentId, out var list))
                    {
                        decisions[decision.intentId] = list = [];
                    }
                    list.Add(decision);
                }
                else
                {
                    unreadable++;
                }
                continue;
            }
            var missingNow = intents.Missing(decisions);
            if (missingNow == 0 || clock.Elapsed > wait)
            {
                break;
            }
            if (clock.Elapsed - lastSaid >= TimeSpan.FromSeconds(5))
            {
                lastSaid = clock.Elapsed;
                progress?.Invoke($"waiting for {missingNow} decisions ({clock.Elapsed.TotalSeconds:0} s of {wait.TotalSeconds:0})");
            }
        }
        consumer.Close();
        if (unreadableIntents.Count > 0)
        {
            // The gate may have dead-lettered them meanwhile (it was behind, or stopped): those it could not read either.
            unreadableIntents.ExceptWith(DeadIntents());
            unreadable += unreadableIntents.Count;
        }

        long missing = intents.Missing(decisions);
        long duplicated = 0;
        foreach (var (intentId, list) in decisions)
        {
            // One decision per subject the intentId was sent for: two for one subjectRef (the same or different) are a duplicate.
            if (list.Count > intents.SubjectsOf(intentId) || list.GroupBy(d => d.subjectRef).Any(g => g.Count() > 1))
            {
                duplicated++;
            }
        }
        return new AuditResult(intents.Count, count, missing, duplicated, deadIntents.Count, unreadable, intents.Reused);
    }

    /// <summary>The subject an intent is for, as the gate keys it (the audit has no hash secret: the normalized form).</summary>
    private static string? SubjectOf(CallIntent intent) =>
        SubjectNormalizer.TryNormalize(intent.subject, SubjectNormalizer.TypeOf(intent.channel), out var subject) ? $"{subject.Type}:{subject.Value}" : null;

    /// <summary>
    /// The intents read: per intentId the subjects it was sent for (null: not a valid subject; a second set only for an id
    /// reused for another number), and where each record was, to tell the decisions of intents read from later ones.
    /// </summary>
    private sealed class SentIntents
    {
        private readonly Dictionary<string, string?> first = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string?>> reused = new(StringComparer.Ordinal);
        private readonly HashSet<(int, long)> read = [];

        /// <summary>Intents: an intentId for one subject.</summary>
        public long Count => first.Count + reused.Values.Sum(s => s.Count - 1L);

        public long Reused => reused.Count;

        public void Add(string intentId, string? subject, (int Partition, long Offset) at)
        {
            read.Add(at);
            if (!first.TryGetValue(intentId, out var earlier))
            {
                first[intentId] = subject;
            }
            else if (earlier != subject)
            {
                if (!reused.TryGetValue(intentId, out var subjects))
                {
                    reused[intentId] = subjects = [earlier];
                }
                subjects.Add(subject);
            }
        }

        public int SubjectsOf(string intentId) =>
            reused.TryGetValue(intentId, out var subjects) ? subjects.Count : first.ContainsKey(intentId) ? 1 : 0;

        /// <summary>A decision of an intent read: its intentId was read, and the record it names (when it names one) too.</summary>
        public bool Answers(CallDecision decision) =>
            first.ContainsKey(decision.intentId)
            && (decision.intentPartition is not { } partition || decision.intentOffset is not { } offset || offset < 0 || read.Contains((partition, offset)));

        /// <summary>Intents without a decision: per intentId, its subjects less the subjects its decisions name.</summary>
        public long Missing(Dictionary<string, List<CallDecision>> decisions) =>
            first.Keys.Sum(id => (long)Math.Max(0, SubjectsOf(id) - (decisions.TryGetValue(id, out var list) ? list.Select(d => d.subjectRef).Distinct().Count() : 0)));
    }

    /// <summary>Where the intents the gate dead-lettered are (partition, offset).</summary>
    private HashSet<(int, long)> DeadIntents()
    {
        var dead = new HashSet<(int, long)>();
        foreach (var (_, value) in ReadToEnd(TopicNames.DeadLetters))
        {
            if (Decode(serdes.DeadLetter, value, TopicNames.DeadLetters) is { topic: TopicNames.Intents } letter)
            {
                dead.Add((letter.partition, letter.offset));
            }
        }
        return dead;
    }

    private IEnumerable<(TopicPartitionOffset, byte[])> ReadToEnd(string topic) => TopicReader.ReadToEnd(bootstrap, topic, "rpo-audit-" + topic, clients);

    private IConsumer<byte[]?, byte[]> Consumer(string group) => TopicReader.ReadCommitted(bootstrap, group, clients);

    private static T? Decode<T>(AvroSerDes<T> serde, byte[] value, string topic) where T : class, Avro.Specific.ISpecificRecord
    {
        try
        {
            return serde.Deserialize(value, new SerializationContext(MessageComponentType.Value, topic));
        }
        catch (Exception)
        {
            return null;
        }
    }
}
