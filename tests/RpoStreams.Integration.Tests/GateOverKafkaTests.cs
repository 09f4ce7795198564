using System.Text;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>The gate against a broker over TCP: Avro intents in, decisions read with read_committed, garbage to dead letters.</summary>
public class GateOverKafkaTests
{
    private static readonly SerializationContext IntentsContext = new(MessageComponentType.Value, TopicNames.Intents);

    [Theory]
    [MemberData(nameof(TestBroker.Kinds), MemberType = typeof(TestBroker))]
    public async Task Gate_decides_every_intent_once_and_dead_letters_garbage(string brokerKind)
    {
        await using var broker = await TestBroker.StartAsync(brokerKind);
        var appId = "it-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, partitions: 4);
        using var state = new TempDirectory("rpo-it-");
        var stateDir = state.Path;
        var serdes = RecordSerdes.Local();
        var run = appId;
        using var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, 4, stateDir);
        var now = SystemClock.Instance.GetCurrentInstant();
        var rules = PolicyRules.Default;
        var at = rules.Window.NextOpen(now);
        var traffic = new SyntheticTraffic(seed: 7, rules, runId: run);
        const int intents = 200;
        var expectedBlocked = new HashSet<string>();
        var expectedRelocated = 0;
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes))
        using (var miskeyed = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes, keyBySubject: false))
        {
            producer.Consultation(traffic.Consultation(now));
            var registered = 0;
            for (var i = 0L; i < 50; i++)
            {
                if (traffic.IsRegistered(i))
                {
                    producer.Register(traffic.Registration(i, now));
                    registered++;
                }
            }
            producer.Flush(TimeSpan.FromSeconds(10));
            // As a feed does: the register is applied before the calls it concerns are asked about. Kafka orders
            // nothing across partitions, and a register update keyed otherwise than by its normalized subject
            // takes one more hop than an intent keyed by it.
            await TopicCounter.WaitForRecordsAsync(broker.BootstrapServers, $"{appId}-{StoreNames.Subjects}-changelog", registered, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            producer.Raw(TopicNames.Intents, "garbage-1", [0x01, 0x02, 0x03]);
            producer.Raw(TopicNames.Intents, "garbage-2", Encoding.UTF8.GetBytes("{\"intentId\":\"x\"}"));
            producer.Raw(TopicNames.Intents, null, serdes.CallIntent.Serialize(TestIntents.Phone(run + "-nokey", SyntheticTraffic.Number(1), at), new SerializationContext(MessageComponentType.Value, TopicNames.Intents)));
            for (var i = 0; i < intents; i++)
            {
                // Subjects 0..49 cycle, written in varying formats; the register holds a share of them.
                var n = i % 50;
                var intent = TestIntents.Phone($"{run}-i{i}", traffic.Formatted(SyntheticTraffic.Number(n)), at + Duration.FromDays(i / 50));
                if (traffic.IsRegistered(n))
                {
                    expectedBlocked.Add(intent.intentId);
                }
                // Half keyed by the normalized subject (decided where read), half by intentId (one more hop unless
                // murmur2 happens to put the intentId in the subject's partition): each decided once.
                if (i % 2 == 0)
                {
                    producer.Intent(intent);
                }
                else
                {
                    // With a header of the dialer's own, which goes no further than the input topic.
                    miskeyed.Raw(TopicNames.Intents, intent.intentId, serdes.CallIntent.Serialize(intent, IntentsContext), new Headers { { "crm-contact", Encoding.UTF8.GetBytes(intent.subject) } });
                }
                if (i % 2 == 1 && SubjectPlacement.PartitionOf(intent.intentId, 4) != SubjectPlacement.PartitionOf(SyntheticTraffic.Number(n), 4))
                {
                    expectedRelocated++;
                }
            }
        }

        var decisions = TopicFollower.ReadUntil(
            broker.BootstrapServers, TopicNames.Decisions, b => serdes.CallDecision.Deserialize(b, default),
            seen => seen.Count(d => d.Value.intentId.StartsWith(run + "-i", StringComparison.Ordinal)) >= intents && seen.Any(d => d.Value.intentId == run + "-nokey"),
            TimeSpan.FromSeconds(90));
        var mine = decisions.Where(d => d.Value.intentId.StartsWith(run + "-i", StringComparison.Ordinal)).ToList();

        Assert.Equal(intents, mine.Count);
        Assert.Equal(intents, mine.Select(d => d.Value.intentId).Distinct().Count());
        Assert.All(mine, d => Assert.Equal(d.Value.intentId, Encoding.UTF8.GetString(d.Key!)));
        Assert.All(mine.Where(d => expectedBlocked.Contains(d.Value.intentId)), d => Assert.Contains(Reason.RPO_OPPOSITION, d.Value.reasons));
        Assert.All(mine.Where(d => !expectedBlocked.Contains(d.Value.intentId)), d => Assert.DoesNotContain(Reason.RPO_OPPOSITION, d.Value.reasons));

        // An intent without a key is decided like any other (it takes the extra hop, unless it landed in its subject's partition).
        Assert.Contains(decisions, d => d.Value.intentId == run + "-nokey");
        // Well-keyed records never take the hop: nothing can pile up in an internal topic behind them.
        Assert.InRange(gate.Metrics.RelocatedCount, expectedRelocated, expectedRelocated + 1);
        // What took it names its subject by subjectRef alone: no internal topic holds a raw number.
        var hop = TopicFollower.Records(broker.BootstrapServers, $"{appId}-{RepartitionNames.SubjectEvents}-repartition", expectedRelocated, TimeSpan.FromSeconds(30));
        Assert.InRange(hop.Count, expectedRelocated, expectedRelocated + 1);
        Assert.All(hop, r =>
        {
            Assert.DoesNotContain(r.Headers ?? [], h => h.Key == "crm-contact");
            var ev = serdes.SubjectEvent.Deserialize(r.Value, default);
            var intent = serdes.CallIntent.Deserialize(ev.payload, default);
            Assert.StartsWith(run + "-", intent.intentId, StringComparison.Ordinal);
            Assert.Equal(string.Empty, intent.subject);
            Assert.NotNull(ev.subjectRef);
            Assert.Equal(ev.subjectRef, Encoding.UTF8.GetString(r.Key!));
        });
        var digits = Enumerable.Range(0, 50).Select(n => SyntheticTraffic.Number(n)[3..]).ToList();
        Assert.DoesNotContain(hop, r => digits.Any(d => Encoding.ASCII.GetString(r.Value).Contains(d, StringComparison.Ordinal)));

        var dead = TopicFollower.ReadUntil(
            broker.BootstrapServers, TopicNames.DeadLetters, b => serdes.DeadLetter.Deserialize(b, default),
            seen => seen.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, dead.Count);
        Assert.All(dead, d => Assert.Equal(TopicNames.Intents, d.Value.topic));
        Assert.Contains(dead, d => d.Value.error.Contains("magic byte", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.Value.error.Contains("looks like JSON", StringComparison.Ordinal));
    }
}
