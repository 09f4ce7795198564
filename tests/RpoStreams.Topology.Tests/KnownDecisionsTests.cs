using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using RpoStreams.Tests.Shared;

namespace RpoStreams.Topology.Tests;

/// <summary>What a subject's state keeps of a decision, and the bytes it is published with if a crash lost its first publication (development broker).</summary>
public class KnownDecisionsTests
{
    private static readonly RecordSerdes Serdes = RecordSerdes.Local();

    private static readonly SerializationContext Context = new(MessageComponentType.Value, TopicNames.Decisions);

    [Fact]
    public void A_kept_decision_is_published_with_the_bytes_it_was_made_with_though_the_entry_keeps_fewer()
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

    [Fact]
    public void A_subject_flooded_with_intents_keeps_its_latest_decisions_within_their_count_and_bytes()
    {
        var random = new Random(20261205);
        var state = new SubjectState();
        var now = NodaTime.Instant.FromUtc(2026, 3, 10, 9, 0);
        for (var i = 0; i < 2_000; i++)
        {
            var decision = RandomDecision(random);
            decision.intentId = i.ToString("D128", System.Globalization.CultureInfo.InvariantCulture);
            var entry = Entry(decision, KnownDecisions.Keep(decision, Serdes.CallDecision));
            // Every entry kept a week; later intents are kept later, as a feed's would be.
            entry.keepUntil = (now + NodaTime.Duration.FromDays(7) + NodaTime.Duration.FromSeconds(i)).ToDateTimeUtc();
            state.decisions = KnownDecisions.Remember(state, entry, now);
        }

        // The latest, as many as the count and the bytes allow (random fields up to 128 characters make some entries long).
        var kept = state.decisions.Count;
        Assert.InRange(kept, 900, KnownDecisions.MaxPerSubject);
        Assert.Equal(Enumerable.Range(2_000 - kept, kept).Select(i => i.ToString("D128", System.Globalization.CultureInfo.InvariantCulture)), state.decisions.Select(d => d.intentId));
        var bytes = Serdes.SubjectState.Serialize(state, new SerializationContext(MessageComponentType.Value, "subjects-changelog")).Length;
        Assert.True(bytes <= KnownDecisions.MaxBytesPerSubject, $"the state is {bytes:N0} bytes");
    }

    private static KnownDecision Entry(CallDecision decision, byte[] kept) => new()
    {
        intentId = decision.intentId,
        decision = kept,
        keepUntil = DateTime.UnixEpoch,
        sourcePartition = decision.intentPartition ?? -1,
        sourceOffset = decision.intentOffset ?? -1,
    };

    /// <summary>A random decision whose source is as the gate sets it: a partition and an offset of an intent record, or neither.</summary>
    private static CallDecision RandomDecision(Random r)
    {
        var decision = RandomRecords.Decision(r);
        var sourced = r.Next(3) != 0;
        decision.intentPartition = sourced ? r.Next(0, 1_000) : null;
        decision.intentOffset = sourced ? r.NextInt64(0, long.MaxValue) : null;
        return decision;
    }
}
