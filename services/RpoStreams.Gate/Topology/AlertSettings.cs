using System.ComponentModel.DataAnnotations;

namespace RpoStreams.Gate.Topology;

/// <summary>Alert thresholds (section <c>Alerts</c>).</summary>
public sealed class AlertSettings
{
    /// <summary>CALL_WITHOUT_CLEARANCE fires when stream time passes an attempt's arrival by more than this.</summary>
    [Range(1, 86_400)]
    public int ClearanceGraceSeconds { get; set; } = 60;

    /// <summary>LIST_NOT_SCRUBBED needs at least this many decisions in one campaign and clock hour.</summary>
    [Range(1, 1_000_000)]
    public int ListNotScrubbedMinIntents { get; set; } = 20;

    /// <summary>... and at least this percentage of them blocked for RPO_OPPOSITION.</summary>
    [Range(1, 100)]
    public int ListNotScrubbedBlockedPercent { get; set; } = 20;

    /// <summary>
    /// Campaign hours one subject task counts at once (each kept until two days past its hour, about 2 KB of heap): a
    /// feed naming a new campaign with every intent, or scheduling across a year of hours, makes no more; decisions of
    /// hours past it are not counted (<c>rpo_state_limited_total{what="campaigns"}</c>).
    /// </summary>
    [Range(100, 10_000_000)]
    public int MaxCampaignHoursPerTask { get; set; } = 20_000;

    /// <summary>How often the running service checks the register's age on the wall clock.</summary>
    [Range(1, 86_400)]
    public int RegisterStaleCheckSeconds { get; set; } = 60;

    /// <summary>
    /// When a partition receives nothing for this long (wall clock), its stream time moves on with
    /// the wall clock, so CALL_WITHOUT_CLEARANCE still fires after the last call of the day. 0 turns it off.
    /// </summary>
    [Range(0, 86_400)]
    public int IdleAdvanceSeconds { get; set; } = 30;
}
