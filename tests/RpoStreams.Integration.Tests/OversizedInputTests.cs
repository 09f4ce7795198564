using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>Records as large as Kafka carries: their dead letters must be writable too, or the stream stops on them at every restart.</summary>
public class OversizedInputTests
{
    [Fact]
    public async Task A_tombstone_with_a_600_KB_key_is_dead_lettered_and_the_next_intent_is_decided()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "big-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, partitions: 1);
        using var state = new TempDirectory("rpo-it-big-");
        var serdes = RecordSerdes.Local();
        using var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, 1, state.Path);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var at = PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant());
        var key = new byte[600_000];
        Random.Shared.NextBytes(key);
        var cancel = TestContext.Current.CancellationToken;

        // Sealed whole, its dead letter (whose key is the sealed key, carried twice) passed Kafka's 1 MB and the stream stopped.
        await producer.ProduceAsync(TopicNames.Intents, new Message<byte[]?, byte[]?> { Key = key, Value = null }, cancel);
        var good = TestIntents.Phone("big-good", "+393331234567", at);
        await producer.ProduceAsync(TopicNames.Intents, new Message<byte[]?, byte[]?>
        {
            Key = "+393331234567"u8.ToArray(),
            Value = serdes.CallIntent.Serialize(good, new SerializationContext(MessageComponentType.Value, TopicNames.Intents)),
        }, cancel);

        var decisions = TopicFollower.ReadUntil(broker.BootstrapServers, TopicNames.Decisions, b => serdes.CallDecision.Deserialize(b, default),
            seen => seen.Any(d => d.Value.intentId == "big-good"), TimeSpan.FromSeconds(45));
        var dead = TopicFollower.ReadUntil(broker.BootstrapServers, TopicNames.DeadLetters, b => serdes.DeadLetter.Deserialize(b, default),
            seen => seen.Count > 0, TimeSpan.FromSeconds(10));

        Assert.Contains(decisions, d => d.Value.intentId == "big-good");
        Assert.Contains("(sealed: only the first 4,096 of the 600,000 bytes of its key)", Assert.Single(dead).Value.error, StringComparison.Ordinal);
        Assert.Empty(gate.StoppedThreads);
    }
}
