using System.Globalization;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// LIST_NOT_SCRUBBED: per company, campaign and clock hour of decision time (policy time zone), counts
/// non-SERVICE decisions and those blocked for RPO_OPPOSITION, and warns once, as soon as there are at
/// least the minimum number of decisions and the blocked share reaches the threshold.
/// </summary>
public sealed class CampaignMonitor : ITransformer<string, CallDecision, string, ComplianceAlert>
{
    private readonly GateTopologyOptions options;
    private ProcessorContext<string, ComplianceAlert> context = null!;
    private InputPositions positions = null!;
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

    /// <summary>The repartition key of a decision: company, campaign and the start of its clock hour.</summary>
    public static string KeyOf(CallDecision decision, DateTimeZone zone)
    {
        var hour = HourStart(decision.decisionTime.ToInstant(), zone);
        return string.Join('\u001f', decision.companyId, decision.campaignId ?? string.Empty, hour.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Start of the clock hour (in <paramref name="zone"/>) that contains <paramref name="t"/>.</summary>
    public static Instant HourStart(Instant t, DateTimeZone zone)
    {
        // The instant the local clock last showed HH:00 under the same offset (so the two 02:00 hours of
        // the autumn daylight-saving switch are two hours, as on the wall).
        var local = t.InZone(zone);
        return t - (Duration.FromMinutes(local.Minute) + Duration.FromSeconds(local.Second) + Duration.FromNanoseconds(local.NanosecondOfSecond));
    }

    public void Init(ProcessorContext<string, ComplianceAlert> context)
    {
        this.context = context;
        positions = new InputPositions(context, StoreNames.CampaignPositions, StoreNames.CampaignCommits, options.GuardInputPositions);
        tallies = (IKeyValueStore<string, CampaignHourTally>)context.GetStateStore(StoreNames.CampaignTallies);
        if (!options.IsReplay)
        {
            context.Schedule(TimeSpan.FromMinutes(10), PunctuationType.PROCESSING_TIME, _ => Purge());
        }
    }

    public Record<string, ComplianceAlert>? Process(Record<string, CallDecision> record)
    {
        var decision = record.Value;
        // Only promotional decisions reach this topic (GateTopology filters them before the repartition).
        if (decision is null || !positions.Begin(context.Topic, context.Partition.Value, context.Offset))
        {
            return null;
        }
        var decisionTime = decision.decisionTime.ToInstant();
        if (decisionTime > streamTime)
        {
            streamTime = decisionTime;
        }
        var tally = tallies.Get(record.Key) ?? new CampaignHourTally
        {
            hourStart = HourStart(decisionTime, options.Rules.Zone).ToAvro(),
        };
        tally.decisions++;
        if (decision.outcome == Outcome.BLOCKED && decision.reasons.Contains(Reason.RPO_OPPOSITION))
        {
            tally.rpoBlocked++;
        }
        ComplianceAlert? alert = null;
        var settings = options.Alerts;
        if (!tally.alerted
            && tally.decisions >= settings.ListNotScrubbedMinIntents
            && tally.rpoBlocked * 100L >= tally.decisions * (long)settings.ListNotScrubbedBlockedPercent)
        {
            tally.alerted = true;
            var hour = tally.hourStart.ToInstant().InZone(options.Rules.Zone);
            var hourText = hour.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
            alert = AlertFactory.ForDecision(
                AlertType.LIST_NOT_SCRUBBED,
                $"LIST_NOT_SCRUBBED:{decision.companyId}:{decision.campaignId}:{hour.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}",
                decision,
                options.WallClock?.GetCurrentInstant() ?? streamTime,
                $"{tally.rpoBlocked} of {tally.decisions} intents of this campaign in the hour from {hourText} were blocked for RPO_OPPOSITION: the list was not checked against the register.");
            options.Metrics?.Alerted(alert);
        }
        tallies.Put(record.Key, tally);
        return alert is null ? null : Record<string, ComplianceAlert>.Create(alert.companyId ?? string.Empty, alert);
    }

    public void Close()
    {
    }

    /// <summary>Forgets hours more than two days behind the latest decision time seen.</summary>
    private void Purge()
    {
        if (streamTime == Instant.MinValue)
        {
            return;
        }
        var cutoff = (streamTime - Duration.FromDays(2)).ToAvro();
        var old = new List<string>();
        foreach (var entry in StoreScan.Each(tallies))
        {
            if (entry.Value.hourStart < cutoff)
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
