using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Topology.Tests;

/// <summary>What a subject's state keeps of a decision, and the bytes a repeat is answered with.</summary>
public class KnownDecisionsTests
{
    private static readonly RecordSerdes Serdes = RecordSerdes.Local();

    private static readonly SerializationContext Context = new(MessageComponentType.Value, TopicNames.Decisions);

    [Fact]
    public void A_repeat_is_answered_with_the_bytes_first_published_though_the_entry_keeps_fewer()
    {
        var random = new Random(20261203);
        for (var i = 0; i < 2_000; i++)
        {
            var decision = RandomDecision(random);
            var published = Serdes.CallDecision.Serialize(decision, Context);

            var known = Entry(decision, KnownDecisions.Keep(decision, Serdes.CallDecision));

            Assert.Equal(published, Serdes.CallDecision.Serialize(decision, Context)); // Keep leaves the decision as it was
            Assert.Equal(published, KnownDecisions.Published(known, decision.subjectRef, Serdes.CallDecision));
            Assert.Equal(published, Serdes.CallDecision.Serialize(KnownDecisions.Decision(known, decision.subjectRef, Serdes.CallDecision), Context));
            var saved = System.Text.Encoding.UTF8.GetByteCount(decision.intentId) + (decision.subjectRef is { } s ? System.Text.Encoding.UTF8.GetByteCount(s) : 0);
            Assert.True(known.decision.Length <= published.Length - saved, $"kept {known.decision.Length} of {published.Length} bytes");
        }
    }

    [Fact]
    public void An_entry_written_before_with_the_whole_decision_is_published_as_it_is()
    {
        var decision = RandomDecision(new Random(7));
        var published = Serdes.CallDecision.Serialize(decision, Context);
        var known = Entry(decision, published);

        Assert.Same(published, KnownDecisions.Published(known, "another-subject", Serdes.CallDecision));
        Assert.Equal(published, Serdes.CallDecision.Serialize(KnownDecisions.Decision(known, "another-subject", Serdes.CallDecision), Context));
    }

    private static KnownDecision Entry(CallDecision decision, byte[] kept) => new()
    {
        intentId = decision.intentId,
        decision = kept,
        keepUntil = DateTime.UnixEpoch,
        sourcePartition = decision.intentPartition ?? -1,
        sourceOffset = decision.intentOffset ?? -1,
    };

    private static CallDecision RandomDecision(Random r)
    {
        var sourced = r.Next(3) != 0;
        return new CallDecision
        {
            intentId = Text(r, 1),
            outcome = r.Next(2) == 0 ? Outcome.ALLOWED : Outcome.BLOCKED,
            reasons = [.. Enumerable.Range(0, r.Next(4)).Select(_ => (Reason)r.Next(Enum.GetValues<Reason>().Length))],
            basis = r.Next(2) == 0 ? null : (Basis)r.Next(Enum.GetValues<Basis>().Length),
            companyId = Text(r, 0),
            callCenterId = Text(r, 0),
            campaignId = r.Next(2) == 0 ? null : Text(r, 0),
            channel = (Channel)r.Next(Enum.GetValues<Channel>().Length),
            purpose = (Purpose)r.Next(Enum.GetValues<Purpose>().Length),
            subjectRef = r.Next(4) == 0 ? null : Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            decisionTime = DateTime.UnixEpoch.AddMilliseconds(r.NextInt64(0, 4_000_000_000_000)),
            decidedAt = DateTime.UnixEpoch.AddMilliseconds(r.NextInt64(0, 4_000_000_000_000)),
            policyVersion = Text(r, 1),
            intentPartition = sourced ? r.Next(0, 1_000) : null,
            intentOffset = sourced ? r.NextInt64(0, long.MaxValue) : null,
        };
    }

    private static readonly string[] Alphabet = ["a", "Z", "0", "-", "è", "€", "日本", "😀"];

    private static string Text(Random r, int min) =>
        string.Concat(Enumerable.Range(0, r.Next(min, 40)).Select(_ => Alphabet[r.Next(Alphabet.Length)]));
}
