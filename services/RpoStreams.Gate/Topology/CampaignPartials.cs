using System.Globalization;
using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// One subject task's share of the LIST_NOT_SCRUBBED tallies. Each non-SERVICE decision is counted here, per
/// company, campaign and clock hour of decision time, in memory; at every commit the counts changed since the
/// last go to a logged store (<see cref="Persist"/>, on the task's <see cref="CommitHook"/>), so they are
/// committed with the decisions they count. What is new is sent on to the campaign-hours topic every flush
/// (and at once in replay), with the decisions that can cross the threshold in order, each with its place, so
/// the monitor finds the one that did. Only two kinds can: one blocked for RPO_OPPOSITION (it raises the share),
/// and the one that brings the hour to the minimum number of decisions; the hour's total is at least this task's
/// count, so that one is among the task's first <c>ListNotScrubbedMinIntents</c>. (That holds while the monitor
/// still keeps the hour's tally, two days of its stream time, and both read the same minimum; past that the warning
/// may name no decision.) A crash may lose the entries (kept in memory), never a count: the counts say how many were
/// sent.
/// </summary>
public sealed class CampaignPartials
{
    private readonly IKeyValueStore<string, CampaignCount> store;
    private readonly DateTimeZone zone;
    private readonly Dictionary<string, CampaignCount> counts = new(StringComparer.Ordinal);
    private readonly int minIntents;
    private readonly int maxHours;
    /// <summary>Per campaign hour, the entries to send; not complete when a restart lost those of counts not yet sent.</summary>
    private readonly Dictionary<string, (List<CampaignEntry> List, bool Complete)> entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> unsent = new(StringComparer.Ordinal);
    private readonly HashSet<string> changed = new(StringComparer.Ordinal);

    /// <summary>Counts kept in <paramref name="store"/>, at most <paramref name="maxHours"/> campaign hours at once.</summary>
    public CampaignPartials(IKeyValueStore<string, CampaignCount> store, DateTimeZone zone, int minIntents, int maxHours)
    {
        this.store = store;
        this.zone = zone;
        this.minIntents = minIntents;
        this.maxHours = maxHours;
        // After a restart: counts committed but not yet sent go out with the next flush.
        foreach (var entry in StoreScan.Each(store))
        {
            counts[entry.Key] = entry.Value;
            if (entry.Value.decisions > entry.Value.sentDecisions)
            {
                unsent.Add(entry.Key);
            }
        }
    }

    /// <summary>The key of a decision's campaign hour: company, campaign and the start of its clock hour.</summary>
    public static string KeyOf(string companyId, string? campaignId, Instant hourStart) =>
        string.Join('\u001f', companyId, campaignId ?? string.Empty, hourStart.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

    /// <summary>Start of the clock hour (in <paramref name="zone"/>) that contains <paramref name="t"/>.</summary>
    public static Instant HourStart(Instant t, DateTimeZone zone)
    {
        // The instant the local clock last showed HH:00 under the same offset (so the two 02:00 hours of
        // the autumn daylight-saving switch are two hours, as on the wall).
        var local = t.InZone(zone);
        return t - (Duration.FromMinutes(local.Minute) + Duration.FromSeconds(local.Second) + Duration.FromNanoseconds(local.NanosecondOfSecond));
    }

    /// <summary>
    /// Counts a new non-SERVICE decision, made when the deciding task's stream time was <paramref name="arrival"/>; false,
    /// and not counted, when it is of a new campaign hour and the task already counts its most.
    /// </summary>
    public bool Count(CallDecision decision, Instant arrival)
    {
        var hour = HourStart(decision.decisionTime.ToInstant(), zone);
        var key = KeyOf(decision.companyId, decision.campaignId, hour);
        if (!counts.TryGetValue(key, out var count))
        {
            // Every hour counted is in memory (the store holds the same ones): the dictionary's size is the task's.
            if (counts.Count >= maxHours)
            {
                return false;
            }
            count = store.Get(key) ?? new CampaignCount
            {
                companyId = decision.companyId,
                campaignId = decision.campaignId,
                hourStart = hour.ToAvro(),
                latestArrival = arrival.ToAvro(),
                entries = [],
            };
            counts[key] = count;
        }
        var rpoBlocked = decision.outcome == Outcome.BLOCKED && decision.reasons.Contains(Reason.RPO_OPPOSITION);
        if (!entries.TryGetValue(key, out var pending))
        {
            entries[key] = pending = ([], count.decisions == count.sentDecisions);
        }
        count.decisions++;
        if (rpoBlocked)
        {
            count.rpoBlocked++;
        }
        if (arrival.ToAvro() > count.latestArrival)
        {
            count.latestArrival = arrival.ToAvro();
        }
        changed.Add(key);
        if (rpoBlocked || count.decisions <= minIntents)
        {
            pending.List.Add(new CampaignEntry
            {
                intentId = decision.intentId,
                callCenterId = decision.callCenterId,
                subjectRef = decision.subjectRef,
                rpoBlocked = rpoBlocked,
                position = count.decisions - count.sentDecisions,
            });
        }
        unsent.Add(key);
        return true;
    }

    /// <summary>Sends what is new for every campaign hour counted since the last flush.</summary>
    public void Flush(Action<string, CampaignCount> send)
    {
        if (unsent.Count == 0)
        {
            return;
        }
        foreach (var key in unsent)
        {
            var count = counts[key];
            var delta = count.decisions - count.sentDecisions;
            if (delta <= 0)
            {
                continue;
            }
            entries.Remove(key, out var pending);
            send(key, new CampaignCount
            {
                companyId = count.companyId,
                campaignId = count.campaignId,
                hourStart = count.hourStart,
                decisions = delta,
                rpoBlocked = count.rpoBlocked - count.sentRpoBlocked,
                latestArrival = count.latestArrival,
                // In order, unless a restart lost some: then the counts go alone.
                entries = pending.Complete ? pending.List : [],
            });
            count.sentDecisions = count.decisions;
            count.sentRpoBlocked = count.rpoBlocked;
            changed.Add(key);
        }
        unsent.Clear();
    }

    /// <summary>At the start of a commit: the counts changed since the last commit go to the store, and so into this commit.</summary>
    public void Persist()
    {
        foreach (var key in changed)
        {
            if (counts.TryGetValue(key, out var count))
            {
                store.Put(key, count);
            }
        }
        changed.Clear();
    }

    /// <summary>Forgets hours whose counts were all sent, once stream time is two days past their end.</summary>
    public void Purge(Instant streamTime)
    {
        var old = new List<string>();
        foreach (var (key, count) in counts)
        {
            if (!unsent.Contains(key) && count.hourStart.ToInstant() + Duration.FromHours(1) + Duration.FromDays(2) < streamTime)
            {
                old.Add(key);
            }
        }
        foreach (var key in old)
        {
            counts.Remove(key);
            changed.Remove(key);
            store.Delete(key);
        }
    }
}
