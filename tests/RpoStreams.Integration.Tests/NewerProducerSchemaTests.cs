using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Simulation;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A dialer on a newer CallIntent than the gate's (fields the gate does not read), keying its intents otherwise than
/// by their subject: each takes the subject-events hop.
/// </summary>
public sealed class NewerProducerSchemaTests
{
    private const int Intents = 12;

    [Fact]
    public async Task A_mis_keyed_intent_of_a_newer_schema_is_decided_and_crosses_the_hop_without_the_fields_the_gate_does_not_read()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "newer-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, partitions: 4);
        using var state = new TempDirectory("rpo-it-newer-");
        var serdes = RecordSerdes.Local();

        // Given CallIntent v2: a free-text note (the dialer writes the number it calls in it) and a timestamp holding
        // Java's "never" (Long.MAX_VALUE, past any date a timestamp-millis converts to), both appended, as Avro evolves
        var schema = JsonNode.Parse(CallIntent._SCHEMA.ToString())!;
        schema["fields"]!.AsArray().Add(JsonNode.Parse("""{"name":"notes","type":"string","default":""}"""));
        schema["fields"]!.AsArray().Add(JsonNode.Parse("""{"name":"callBackBy","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}"""));
        var v2 = ((LocalSchemaRegistry)serdes.Registry).Add(schema.ToJsonString());
        using var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, 4, state.Path, serdes: serdes);
        var at = PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant());
        var run = appId;
        var subjects = new List<string>();
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes, keyBySubject: false))
        {
            // When each is keyed by an intentId murmur2 puts outside its subject's partition
            for (var n = 0L; subjects.Count < Intents; n++)
            {
                var subject = SyntheticTraffic.Number(n);
                var intent = TestIntents.Phone($"{run}-{n}", subject, at);
                if (SubjectPlacement.PartitionOf(intent.intentId, 4) == SubjectPlacement.PartitionOf(subject, 4))
                {
                    continue;
                }
                subjects.Add(subject);
                var w = new AvroWriter();
                var v1 = serdes.CallIntent.Serialize(intent, new SerializationContext(MessageComponentType.Value, TopicNames.Intents));
                var header = v1[..5];
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), v2);
                w.Raw(header);
                w.Raw(v1.AsSpan(5));
                w.Text($"NOTE call back on {subject}", "notes");
                w.Number(long.MaxValue);
                producer.Raw(TopicNames.Intents, intent.intentId, w.ToArray());
            }
        }

        // Then each is decided once, and the stream runs on
        var decisions = TopicFollower.ReadUntil(
            broker.BootstrapServers, TopicNames.Decisions, b => serdes.CallDecision.Deserialize(b, default).intentId,
            seen => seen.Count(d => d.Value.StartsWith(run, StringComparison.Ordinal)) >= Intents, TimeSpan.FromSeconds(90));
        Assert.Equal(Intents, decisions.Select(d => d.Value).Where(id => id.StartsWith(run, StringComparison.Ordinal)).Distinct().Count());
        Assert.Equal(Intents, decisions.Count(d => d.Value.StartsWith(run, StringComparison.Ordinal)));
        Assert.Empty(gate.StoppedThreads);

        // And what crossed the hop holds neither the subject nor the note that names it
        var crossed = TopicFollower.Records(broker.BootstrapServers, InternalTopics.Repartition(appId, RepartitionNames.SubjectEvents), Intents, TimeSpan.FromSeconds(30));
        Assert.Equal(Intents, crossed.Count);
        var text = string.Join("\n", crossed.Select(m => Encoding.UTF8.GetString(m.Value)));
        Assert.DoesNotContain("NOTE", text, StringComparison.Ordinal);
        Assert.All(subjects, s => Assert.DoesNotContain(s[3..], text, StringComparison.Ordinal));
    }
}
