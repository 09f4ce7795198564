using System.ComponentModel.DataAnnotations;
using NodaTime;
using NodaTime.Text;

namespace RpoStreams.Gate.Topology;

/// <summary>What the gate accepts as input (section <c>Intake</c>); anything else is a dead letter.</summary>
public sealed class IntakeSettings
{
    /// <summary>Values larger than this are dead letters.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Event times before this are dead letters.</summary>
    public string EarliestEventTime { get; set; } = "2000-01-01T00:00:00Z";

    /// <summary>Event times from this on are dead letters.</summary>
    public string LatestEventTime { get; set; } = "2100-01-01T00:00:00Z";

    /// <summary>An event time more than this many days after the record's Kafka timestamp is a dead letter.</summary>
    [Range(1, 36_500)]
    public int MaxFutureSkewDays { get; set; } = 366;

    /// <summary>An intent or attempt time more than this many days before its Kafka timestamp is a dead letter.</summary>
    [Range(1, 36_500)]
    public int MaxPastSkewDays { get; set; } = 366;

    /// <summary>
    /// How far a producer's clock may run ahead of the gate's: a record timestamped later than the gate's clock plus
    /// this arrives, for stream time, at that limit (one wrong clock would otherwise move stream time ahead and
    /// make the gate forget today's contacts and decisions); a consultation dated this much after its own record
    /// is a dead letter.
    /// </summary>
    [Range(1, 10_080)]
    public int MaxClockAheadMinutes { get; set; } = 5;

    /// <summary>Whether an event time lies more than <see cref="MaxFutureSkewDays"/> after the record was produced.</summary>
    public bool TooFarAhead(Instant eventTime, Instant produced) => eventTime - produced > Duration.FromDays(MaxFutureSkewDays);

    /// <summary>
    /// Whether an intent's or attempt's time lies more than <see cref="MaxPastSkewDays"/>, less <paramref name="margin"/>
    /// (never below none), before the record was produced.
    /// </summary>
    public bool TooFarBehind(Instant eventTime, Instant produced, Duration margin = default) =>
        produced - eventTime > Duration.Max(Duration.Zero, Duration.FromDays(MaxPastSkewDays) - margin);

    /// <summary>
    /// The arrival of a record timestamped <paramref name="produced"/>: its timestamp, but never later than the
    /// gate's clock (<paramref name="now"/>; null in replay, where nothing reads a clock) plus <see cref="MaxClockAheadMinutes"/>.
    /// </summary>
    public Instant ArrivalOf(Instant produced, Instant? now) => ArrivalOf(produced, now, out _);

    /// <inheritdoc cref="ArrivalOf(Instant, Instant?)"/>
    public Instant ArrivalOf(Instant produced, Instant? now, out bool capped)
    {
        capped = now is { } clock && produced - clock > Duration.FromMinutes(MaxClockAheadMinutes);
        return capped ? now!.Value + Duration.FromMinutes(MaxClockAheadMinutes) : produced;
    }

    /// <summary>
    /// When a record was produced, at the latest, for checking the times it claims: its timestamp capped as its arrival
    /// is (<see cref="ArrivalOf(Instant, Instant?)"/>), or the gate's clock when it has none; null with neither (replay
    /// gives every record a timestamp).
    /// </summary>
    public Instant? ProducedAt(Confluent.Kafka.Timestamp timestamp, Instant? now) =>
        InstantOf(timestamp) is { } stamped ? ArrivalOf(stamped, now) : now;

    /// <summary>A Kafka record timestamp as an instant; null when there is none or it lies outside the years NodaTime holds.</summary>
    public static Instant? InstantOf(Confluent.Kafka.Timestamp timestamp) =>
        timestamp.Type != Confluent.Kafka.TimestampType.NotAvailable && timestamp.UnixTimestampMs > 0
            && timestamp.UnixTimestampMs <= Instant.MaxValue.ToUnixTimeMilliseconds()
            ? Instant.FromUnixTimeMilliseconds(timestamp.UnixTimestampMs)
            : null;

    /// <summary>An intentId seen again within this many days keeps its first decision and is not decided again.</summary>
    [Range(1, 365)]
    public int IdempotenceDays { get; set; } = 7;

    private ParsedInstant? earliest;
    private ParsedInstant? latest;

    /// <summary><see cref="EarliestEventTime"/> parsed (once per value: intake reads it for every record).</summary>
    public Instant Earliest => ParsedInstant.Of(EarliestEventTime, ref earliest);

    /// <summary><see cref="LatestEventTime"/> parsed, once per value.</summary>
    public Instant Latest => ParsedInstant.Of(LatestEventTime, ref latest);

    private sealed record ParsedInstant(string Text, Instant At)
    {
        public static Instant Of(string text, ref ParsedInstant? cache)
        {
            var seen = Volatile.Read(ref cache);
            if (seen is null || !ReferenceEquals(seen.Text, text))
            {
                seen = new ParsedInstant(text, InstantPattern.ExtendedIso.Parse(text).Value);
                Volatile.Write(ref cache, seen);
            }
            return seen.At;
        }
    }

    public IEnumerable<string> Validate()
    {
        var earliest = InstantPattern.ExtendedIso.Parse(EarliestEventTime ?? string.Empty);
        var latest = InstantPattern.ExtendedIso.Parse(LatestEventTime ?? string.Empty);
        if (!earliest.Success)
        {
            yield return $"Intake:EarliestEventTime '{EarliestEventTime}' is not an ISO-8601 UTC instant (for example 2000-01-01T00:00:00Z)";
        }
        if (!latest.Success)
        {
            yield return $"Intake:LatestEventTime '{LatestEventTime}' is not an ISO-8601 UTC instant (for example 2100-01-01T00:00:00Z)";
        }
        if (earliest.Success && latest.Success && earliest.Value >= latest.Value)
        {
            yield return "Intake:EarliestEventTime must be before Intake:LatestEventTime";
        }
    }
}
