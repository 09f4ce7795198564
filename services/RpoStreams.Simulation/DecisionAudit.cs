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
/// again (counted in <c>Reused</c>). An intent is missing when it has no decision (dead-lettered intents excepted: they
/// are not intents the gate could read); an intentId is duplicated when it has more decisions than subjects, or two
/// different decisions for one subjectRef.
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
        // intentId → the subjects it was sent for (null: not a valid subject).
        var intents = new Dictionary<string, HashSet<string?>>(StringComparer.Ordinal);
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
                if (!intents.TryGetValue(intent.intentId, out var subjects))
                {
                    intents[intent.intentId] = subjects = [];
                }
                subjects.Add(SubjectOf(intent));
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
            var missingNow = Missing(intents, decisions);
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

        long missing = Missing(intents, decisions);
        long duplicated = 0;
        foreach (var (intentId, list) in decisions)
        {
            if (!intents.TryGetValue(intentId, out var subjects))
            {
                continue;
            }
            var differing = list.GroupBy(d => d.subjectRef).Any(g => g.Select(d => (d.outcome, string.Join(",", d.reasons), d.basis, d.decidedAt)).Distinct().Count() > 1);
            if (list.Count > subjects.Count || differing)
            {
                duplicated++;
            }
        }
        return new AuditResult(intents.Values.Sum(s => (long)s.Count), count, missing, duplicated, deadIntents.Count, unreadable, intents.Values.Count(s => s.Count > 1));
    }

    /// <summary>Intents without a decision: per intentId, its subjects less the subjects its decisions name.</summary>
    private static int Missing(Dictionary<string, HashSet<string?>> intents, Dictionary<string, List<CallDecision>> decisions) =>
        intents.Sum(i => Math.Max(0, i.Value.Count - (decisions.TryGetValue(i.Key, out var list) ? list.Select(d => d.subjectRef).Distinct().Count() : 0)));

    /// <summary>The subject an intent is for, as the gate keys it (the audit has no hash secret: the normalized form).</summary>
    private static string? SubjectOf(CallIntent intent) =>
        SubjectNormalizer.TryNormalize(intent.subject, SubjectNormalizer.TypeOf(intent.channel), out var subject) ? $"{subject.Type}:{subject.Value}" : null;

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
