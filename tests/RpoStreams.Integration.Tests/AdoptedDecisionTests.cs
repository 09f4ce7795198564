using System.Text;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using RpoStreams.Simulation;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The development broker's contract over Kafka's protocol: a decision an earlier run published for an intent
/// but did not keep (it crashed in between) is adopted when the intent is read again, not decided twice, and
/// its contact counts towards the frequency cap of the next call to the same subject that day.
/// </summary>
public sealed class AdoptedDecisionTests
{
    [Fact]
    public async Task A_decision_published_before_a_crash_is_adopted_once_and_caps_the_next_call_that_day()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "adopt-" + Guid.NewGuid().ToString("N")[..8];
        // One partition: the intent read again is the record at offset 0, the one the earlier run decided.
        await broker.CreateGateTopicsAsync(appId, partitions: 1);
        using var state = new TempDirectory("rpo-it-adopt-");
        var stateDir = state.Path;
        var serdes = RecordSerdes.Local();
        var now = SystemClock.Instance.GetCurrentInstant();
        var at = PolicyRules.Default.Window.NextOpen(now);
        const string phone = "+393401000007";
        var subjectRef = new SubjectHasher(RunningGate.HashSecret).RefOf(new NormalizedSubject(SubjectType.PHONE, phone));
        // Given a fresh register consultation and the decision an earlier run published for intent a-1 (offset 0)
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes))
        {
            producer.Consultation(new SyntheticTraffic(seed: 1, PolicyRules.Default, runId: appId).Consultation(now));
            var earlier = new CallDecision
            {
                intentId = "a-1", outcome = Outcome.ALLOWED, reasons = [], basis = Basis.NOT_REGISTERED, companyId = "ACME", callCenterId = "CC-1",
                campaignId = "IT", channel = Channel.PHONE, purpose = Purpose.PROMOTIONAL, subjectRef = subjectRef,
                decisionTime = at.ToAvro(), decidedAt = now.ToAvro(), policyVersion = "earlier-run", intentPartition = 0, intentOffset = 0,
            };
            producer.Raw(TopicNames.Decisions, "a-1", serdes.CallDecision.Serialize(earlier, new SerializationContext(MessageComponentType.Value, TopicNames.Decisions)));
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        // When the gate, on the development broker's contract, reads that intent again and then a second call that day
        using (await RunningGate.StartAsync(broker.BootstrapServers, appId, 1, stateDir, developmentBroker: true))
        {
            using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes))
            {
                producer.Intent(TestIntents.Phone("a-1", phone, at));
                producer.Intent(TestIntents.Phone("a-2", phone, at + Duration.FromHours(2)));
                producer.Flush(TimeSpan.FromSeconds(10));
            }

            // Then a-1 keeps its one published decision, and a-2 is blocked by the cap that decision's contact fills
            var decisions = TopicFollower.ReadUntil(
                broker.BootstrapServers, TopicNames.Decisions, b => serdes.CallDecision.Deserialize(b, default),
                seen => seen.Any(d => d.Value.intentId == "a-2"), TimeSpan.FromSeconds(60));
            var second = Assert.Single(decisions, d => d.Value.intentId == "a-2").Value;
            Assert.Equal(Outcome.BLOCKED, second.outcome);
            Assert.Contains(Reason.FREQUENCY_CAP, second.reasons);
            var first = Assert.Single(decisions, d => d.Value.intentId == "a-1");
            Assert.Equal("earlier-run", first.Value.policyVersion);
            Assert.Equal("a-1", Encoding.UTF8.GetString(first.Key!));
        }
    }
}
