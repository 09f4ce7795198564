using NodaTime;
using NodaTime.Text;

namespace RpoStreams.Gate.Topology;

/// <summary>Alert thresholds (section <c>Alerts</c>).</summary>
public sealed class AlertSettings
{
    /// <summary>CALL_WITHOUT_CLEARANCE fires when stream time passes an attempt's start by more than this.</summary>
    public int ClearanceGraceSeconds { get; set; } = 60;

    /// <summary>LIST_NOT_SCRUBBED needs at least this many decisions in one campaign and clock hour.</summary>
    public int ListNotScrubbedMinIntents { get; set; } = 20;

    /// <summary>... and at least this percentage of them blocked for RPO_OPPOSITION.</summary>
    public int ListNotScrubbedBlockedPercent { get; set; } = 20;

    /// <summary>How often the running service checks the register's age on the wall clock.</summary>
    public int RegisterStaleCheckSeconds { get; set; } = 60;

    /// <summary>
    /// When a partition receives nothing for this long (wall clock), its stream time moves on with
    /// the wall clock, so CALL_WITHOUT_CLEARANCE still fires after the last call of the day. 0 turns it off.
    /// </summary>
    public int IdleAdvanceSeconds { get; set; } = 30;

    public IEnumerable<string> Validate()
    {
        if (ClearanceGraceSeconds is < 1 or > 86_400)
        {
            yield return $"Alerts:ClearanceGraceSeconds must be between 1 and 86400 (got {ClearanceGraceSeconds})";
        }
        if (ListNotScrubbedMinIntents is < 1 or > 1_000_000)
        {
            yield return $"Alerts:ListNotScrubbedMinIntents must be between 1 and 1000000 (got {ListNotScrubbedMinIntents})";
        }
        if (ListNotScrubbedBlockedPercent is < 1 or > 100)
        {
            yield return $"Alerts:ListNotScrubbedBlockedPercent must be between 1 and 100 (got {ListNotScrubbedBlockedPercent})";
        }
        if (RegisterStaleCheckSeconds is < 1 or > 86_400)
        {
            yield return $"Alerts:RegisterStaleCheckSeconds must be between 1 and 86400 (got {RegisterStaleCheckSeconds})";
        }
        if (IdleAdvanceSeconds is < 0 or > 86_400)
        {
            yield return $"Alerts:IdleAdvanceSeconds must be between 0 and 86400 (got {IdleAdvanceSeconds})";
        }
    }
}

/// <summary>What the gate accepts as input (section <c>Intake</c>); anything else is a dead letter.</summary>
public sealed class IntakeSettings
{
    /// <summary>Values larger than this are dead letters.</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Event times before this are dead letters.</summary>
    public string EarliestEventTime { get; set; } = "2000-01-01T00:00:00Z";

    /// <summary>Event times from this on are dead letters.</summary>
    public string LatestEventTime { get; set; } = "2100-01-01T00:00:00Z";

    /// <summary>An event time more than this many days after the record's Kafka timestamp is a dead letter.</summary>
    public int MaxFutureSkewDays { get; set; } = 366;

    /// <summary>An intent or attempt time more than this many days before its Kafka timestamp is a dead letter.</summary>
    public int MaxPastSkewDays { get; set; } = 366;

    /// <summary>An intentId seen again within this many days gets its first decision again.</summary>
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
        if (MaxRecordBytes is < 256 or > 16 * 1024 * 1024)
        {
            yield return $"Intake:MaxRecordBytes must be between 256 and 16777216 (got {MaxRecordBytes})";
        }
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
        if (MaxFutureSkewDays is < 1 or > 36_500)
        {
            yield return $"Intake:MaxFutureSkewDays must be between 1 and 36500 (got {MaxFutureSkewDays})";
        }
        if (MaxPastSkewDays is < 1 or > 36_500)
        {
            yield return $"Intake:MaxPastSkewDays must be between 1 and 36500 (got {MaxPastSkewDays})";
        }
        if (IdempotenceDays is < 1 or > 365)
        {
            yield return $"Intake:IdempotenceDays must be between 1 and 365 (got {IdempotenceDays})";
        }
    }
}
