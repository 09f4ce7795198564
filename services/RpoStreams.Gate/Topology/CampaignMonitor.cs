using System.Globalization;
using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// LIST_NOT_SCRUBBED: adds up, per company, campaign and clock hour of decision time (policy time zone), the
/// counts the subject tasks send (<see cref="CampaignPartials"/>) and warns once, as soon as there are at least
/// the minimum number of decisions and the RPO-blocked share reaches the threshold, naming the intent that
/// crossed it. However the hours interleave, a tally is kept until stream time (the greatest arrival of the
/// counted intents) is two days past the end of its hour; an hour that was alerted is remembered as long as
/// intake still accepts intents for it, and an hour older than that is not counted again.
/// </summary>
public sealed class CampaignMonitor : ITransformer<string, CampaignCount, string, ComplianceAlert>
{
    private readonly GateTopologyOptions options;
    private ProcessorContext<string, ComplianceAlert> context = null!;
    private IKeyValueStore<string, CampaignHourTally> tallies = null!;
    private Instant streamTime = Instant.MinValue;

    public CampaignMonitor()
    {
        options = null!;
    }

    public CampaignMonitor(GateTopologyOptions options)
    {
        this.options = options;
    }

    public void Init(ProcessorContext<string, ComplianceAlert> context)
    {
        this.context = context;
        tallies = (IKeyValueStore<string, CampaignHourTally>)context.GetStateStore(StoreNames.CampaignTallies);
        if (!options.IsReplay)
        {
            context.Schedule(TimeSpan.FromMinutes(10), PunctuationType.PROCESSING_TIME, _ => Purge());
        }
    }

    public Record<string, ComplianceAlert>? Process(Record<string, CampaignCount> record)
    {
        var counts = record.Value;
        if (counts is null)
        {
            return null;
        }
        var arrival = counts.latestArrival.ToInstant();
        if (arrival > streamTime)
        {
            streamTime = arrival;
        }
        var known = tallies.Get(record.Key);
        if (known is null && LetGo(counts.hourStart.ToInstant(), AlertedKeep))
        {
            // An hour this old may have been alerted and let go (Purge): counted afresh it could warn a second time.
            // Intake bounds a record by its own timestamp, so records stamped in it can still come.
            return null;
        }
        var tally = known ?? new CampaignHourTally { hourStart = counts.hourStart };
        ComplianceAlert? alert = null;
        var (decisions, rpoBlocked) = (tally.decisions, tally.rpoBlocked);
        if (counts.entries is { Count: > 0 } entries)
        {
            // The decisions that can cross the threshold, each at its place among those counted (the others, none
            // of them RPO-blocked, only add to the decisions before it).
            for (var i = 0; i < entries.Count && alert is null; i++)
            {
                var entry = entries[i];
                tally.decisions = decisions + (entry.position ?? (i + 1));
                tally.rpoBlocked += entry.rpoBlocked ? 1 : 0;
                alert = Crossed(tally, counts, entry);
            }
        }
        // All of them counted; after a crash lost the entries, the last intent cannot be named.
        tally.decisions = decisions + counts.decisions;
        tally.rpoBlocked = rpoBlocked + counts.rpoBlocked;
        alert ??= Crossed(tally, counts, null);
        tallies.Put(record.Key, tally);
        return alert is null ? null : Record<string, ComplianceAlert>.Create(AlertKeys.Of(alert), alert);
    }

    public void Close()
    {
    }

    /// <summary>The alert, when this decision made the tally cross the threshold for the first time.</summary>
    private ComplianceAlert? Crossed(CampaignHourTally tally, CampaignCount counts, CampaignEntry? entry)
    {
        var settings = options.Alerts;
        if (tally.alerted
            || tally.decisions < settings.ListNotScrubbedMinIntents
            || tally.rpoBlocked * 100L < tally.decisions * (long)settings.ListNotScrubbedBlockedPercent)
        {
            return null;
        }
        tally.alerted = true;
        var hour = tally.hourStart.ToInstant().InZone(options.Rules.Zone);
        var hourText = hour.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
        var alert = new ComplianceAlert
        {
            alertId = $"LIST_NOT_SCRUBBED:{AlertFactory.IdPart(counts.companyId)}:{AlertFactory.IdPart(counts.campaignId)}:{hour.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}{hour.Offset.Milliseconds / 3_600_000:+0;-0}",
            type = AlertType.LIST_NOT_SCRUBBED,
            severity = AlertFactory.SeverityOf(AlertType.LIST_NOT_SCRUBBED),
            companyId = counts.companyId,
            callCenterId = entry?.callCenterId,
            campaignId = counts.campaignId,
            intentId = entry?.intentId,
            subjectRef = entry?.subjectRef,
            detectedAt = (options.WallClock?.GetCurrentInstant() ?? streamTime).ToAvro(),
            details = $"{tally.rpoBlocked} of {tally.decisions} intents of this campaign in the hour from {hourText} were blocked for RPO_OPPOSITION: the list was not checked against the register.",
        };
        options.Metrics?.Alerted(alert);
        return alert;
    }

    /// <summary>Whether stream time is more than <paramref name="keep"/> past the end of the hour starting at <paramref name="hourStart"/>.</summary>
    private bool LetGo(Instant hourStart, Duration keep) => hourStart + Duration.FromHours(1) + keep < streamTime;

    /// <summary>How long past its end an alerted hour is kept: while intake accepts intents for it (Intake:MaxPastSkewDays).</summary>
    private Duration AlertedKeep => Duration.FromDays(Math.Max(2, options.Intake.MaxPastSkewDays));

    /// <summary>
    /// Forgets hours two days past their end in stream time; an alerted hour is kept while intake accepts intents
    /// for it (Intake:MaxPastSkewDays), so it is never raised twice.
    /// </summary>
    private void Purge()
    {
        if (streamTime == Instant.MinValue)
        {
            return;
        }
        var old = new List<string>();
        foreach (var entry in StoreScan.Each(tallies))
        {
            if (LetGo(entry.Value.hourStart.ToInstant(), entry.Value.alerted ? AlertedKeep : Duration.FromDays(2)))
            {
                old.Add(entry.Key);
            }
        }
        foreach (var key in old)
        {
            tallies.Delete(key);
        }
    }
}
