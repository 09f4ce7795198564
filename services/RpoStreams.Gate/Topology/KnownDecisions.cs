using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The decisions a subject's state still knows by intentId. A decision stays known until stream time passes
/// both its decision time and its arrival by the idempotence window (DESIGN section 3, "Two clocks"): an
/// intent decided today for a call next week is still cleared when that call is made.
/// <para>
/// An entry keeps its decision without what the entry and its subject already hold: the intentId, the subjectRef
/// (the key of the subject's state) and the intent's partition and offset (the entry's source). Those bytes are the
/// decision's Confluent wire format with those four fields empty and magic byte 1 instead of 0; <see cref="Published"/>
/// puts the fields back, so a decision kept but never published (a crash on the development broker) goes out as it was made. The subject state is rewritten with every
/// decision and RocksDB compacts it again and again: the whole decision in each entry cost the full benchmark about
/// a sixth of its gate CPU per decision (docs/performance.md). An entry written before holds the whole decision
/// (magic byte 0) and is published as it is.
/// </para>
/// </summary>
public static class KnownDecisions
{
    private const byte Kept = 1;

    /// <summary>How a decision's value is serialized for the decisions topic, as published and as kept.</summary>
    internal static readonly SerializationContext DecisionsTopic = new(MessageComponentType.Value, TopicNames.Decisions);

    /// <summary>What an entry keeps of <paramref name="decision"/> (whose fields are left as they were).</summary>
    public static byte[] Keep(CallDecision decision, AvroSerDes<CallDecision> serdes)
    {
        var (intentId, subjectRef, partition, offset) = (decision.intentId, decision.subjectRef, decision.intentPartition, decision.intentOffset);
        (decision.intentId, decision.subjectRef, decision.intentPartition, decision.intentOffset) = (string.Empty, null, null, null);
        try
        {
            var bytes = serdes.Serialize(decision, DecisionsTopic);
            bytes[0] = Kept;
            return bytes;
        }
        finally
        {
            (decision.intentId, decision.subjectRef, decision.intentPartition, decision.intentOffset) = (intentId, subjectRef, partition, offset);
        }
    }

    /// <summary>The decision of <paramref name="known"/>, kept in the state of <paramref name="subjectRef"/> (null: an invalid subject's).</summary>
    public static CallDecision Decision(KnownDecision known, string? subjectRef, AvroSerDes<CallDecision> serdes)
    {
        if (!IsKept(known))
        {
            return serdes.Deserialize(known.decision, DecisionsTopic);
        }
        var wire = (byte[])known.decision.Clone();
        wire[0] = 0;
        var decision = serdes.Deserialize(wire, DecisionsTopic);
        decision.intentId = known.intentId;
        decision.subjectRef = subjectRef;
        if (known.sourceOffset >= 0)
        {
            decision.intentPartition = known.sourcePartition;
            decision.intentOffset = known.sourceOffset;
        }
        return decision;
    }

    /// <summary>The bytes published for <paramref name="known"/>: the same as the first time.</summary>
    public static byte[] Published(KnownDecision known, string? subjectRef, AvroSerDes<CallDecision> serdes) =>
        IsKept(known) ? serdes.Serialize(Decision(known, subjectRef, serdes), DecisionsTopic) : known.decision;

    /// <summary>True when the entry keeps the short form (<see cref="Keep"/>), false for a whole decision written before.</summary>
    private static bool IsKept(KnownDecision known) => known.decision is [Kept, ..];

    /// <summary>The decision of <paramref name="intentId"/>, unless stream time has passed its keepUntil.</summary>
    public static KnownDecision? Find(SubjectState? state, string intentId, Instant streamTime)
    {
        if (state?.decisions is not { Count: > 0 } list)
        {
            return null;
        }
        var now = streamTime.ToUnixTimeMilliseconds();
        foreach (var known in list)
        {
            if (known.intentId == intentId)
            {
                return known.keepUntil.ToInstant().ToUnixTimeMilliseconds() < now ? null : known;
            }
        }
        return null;
    }

    /// <summary>Until when a decision is kept: the later of its decision time and its arrival, plus the window.</summary>
    public static Instant KeepUntil(Instant decisionTime, Instant arrival, Duration window) =>
        (decisionTime > arrival ? decisionTime : arrival) + window;

    /// <summary>
    /// The most decisions one subject's state keeps. A number no real campaign dials this often within the idempotence
    /// window; a feed that does (a loop, or an attack) would otherwise grow the state past a Kafka message, and the
    /// changelog write would stop the stream, and make every decision rewrite an ever longer list
    /// (<see cref="MaxBytesPerSubject"/> bounds the bytes). Past it, the entries stream time would drop first go first: a
    /// repeat of one of them is decided again.
    /// </summary>
    public const int MaxPerSubject = 1000;

    /// <summary>
    /// The most bytes of known decisions one subject's state keeps, whatever their ids (128 characters of three UTF-8
    /// bytes each make an entry about 1.7 KB): with the other limits the state stays under
    /// <see cref="SubjectStateRules.MaxStateBytes"/>. The entries stream time would drop first go first, as above.
    /// </summary>
    public const int MaxBytesPerSubject = 400_000;

    private static int BytesOf(KnownDecision known) => SubjectStateRules.BytesOf(known.intentId) + known.decision.Length + 30;

    /// <summary>Adds (or replaces) a decision, drops those stream time has passed and keeps at most <see cref="MaxPerSubject"/>.</summary>
    public static List<KnownDecision> Remember(SubjectState state, KnownDecision decision, Instant streamTime)
    {
        var list = state.decisions ?? [];
        var now = streamTime.ToUnixTimeMilliseconds();
        var next = new List<KnownDecision>(Math.Min(list.Count + 1, MaxPerSubject + 1));
        foreach (var known in list)
        {
            if (known.intentId != decision.intentId && known.keepUntil.ToInstant().ToUnixTimeMilliseconds() >= now)
            {
                next.Add(known);
            }
        }
        var room = MaxBytesPerSubject - BytesOf(decision);
        var bytes = next.Sum(BytesOf);
        if (next.Count >= MaxPerSubject || bytes > room)
        {
            // Stable: among equal keepUntil the older entry goes first.
            next = [.. next.OrderBy(k => k.keepUntil.ToInstant()).Skip(next.Count - MaxPerSubject + 1)];
            bytes = next.Sum(BytesOf);
            var drop = 0;
            while (bytes > room)
            {
                bytes -= BytesOf(next[drop++]);
            }
            next.RemoveRange(0, drop);
        }
        next.Add(decision);
        return next;
    }

    /// <summary>Drops the decisions stream time has passed; true when something was dropped.</summary>
    public static bool Forget(SubjectState state, Instant streamTime)
    {
        if (state.decisions is not { Count: > 0 } list)
        {
            return false;
        }
        var now = streamTime.ToUnixTimeMilliseconds();
        var kept = list.Where(k => k.keepUntil.ToInstant().ToUnixTimeMilliseconds() >= now).ToList();
        if (kept.Count == list.Count)
        {
            return false;
        }
        state.decisions = kept.Count == 0 ? null : kept;
        return true;
    }
}
