using NodaTime;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// AUDIT for one subject task: judges each attempt against the decision of the intent it names
/// (CALL_AFTER_BLOCK, CALL_WITHOUT_CLEARANCE, CALL_OUTSIDE_HOURS). An attempt whose intent has no decision
/// yet waits in the pending store until stream time passes its arrival + the grace.
/// </summary>
public sealed class AttemptAudit
{
    private readonly GateTopologyOptions options;
    private readonly IKeyValueStore<string, PendingAttempt> pending;
    private readonly Action<ComplianceAlert> raise;

    /// <summary>Pending attempts by deadline and key (<see cref="KeyOf"/>), mirrored from the pending store (rebuilt at start).</summary>
    private readonly SortedSet<(long Deadline, string Key)> deadlines = [];
    private readonly Dictionary<string, List<string>> byIntent = new(StringComparer.Ordinal);

    public AttemptAudit(GateTopologyOptions options, IKeyValueStore<string, PendingAttempt> pending, Action<ComplianceAlert> raise)
    {
        this.options = options;
        this.pending = pending;
        this.raise = raise;
    }

    private PolicyRules Rules => options.Rules;

    private Duration Grace => Duration.FromSeconds(options.Alerts.ClearanceGraceSeconds);

    /// <summary>
    /// An attempt waits under its attemptId, the intent it names and its company: an attemptId a dialer uses again for
    /// another call is another wait, each with its own 60 s (and alert), and two companies' dialers that number their
    /// calls and intents alike wait apart (under one key, the later would have replaced the earlier, and its alert).
    /// </summary>
    private static string KeyOf(PendingAttempt p) => p.attemptId + "\u001f" + p.intentId + "\u001f" + p.companyId;

    /// <summary>Rebuilds the deadline index from the pending store; returns the latest arrival among them.</summary>
    public Instant Load()
    {
        var latest = Instant.MinValue;
        foreach (var entry in StoreScan.Each(pending))
        {
            // Under the key it was stored with (a version that waited under the attemptId alone stored others).
            Track(entry.Value, entry.Key);
            var arrived = entry.Value.arrivedAt?.ToInstant() ?? entry.Value.startedAt.ToInstant();
            if (arrived > latest)
            {
                latest = arrived;
            }
        }
        return latest;
    }

    public bool HasPending => deadlines.Count > 0;

    /// <summary>An attempt just read: judged now when its intent's decision is known, else kept waiting.</summary>
    public void Audit(CallAttempt attempt, string? subjectRef, Instant arrival, Func<string, CallDecision?> decisionOf, Instant detectedAt)
    {
        var p = new PendingAttempt
        {
            attemptId = attempt.attemptId,
            intentId = attempt.intentId ?? string.Empty,
            companyId = attempt.companyId,
            callCenterId = attempt.callCenterId,
            campaignId = attempt.campaignId,
            subjectRef = subjectRef,
            startedAt = attempt.startedAt,
            arrivedAt = arrival.ToAvro(),
            deadline = (arrival + Grace).ToAvro(),
        };
        if (string.IsNullOrEmpty(attempt.intentId))
        {
            raise(AlertFactory.ForPending(AlertType.CALL_WITHOUT_CLEARANCE, p, detectedAt, "The attempt names no intent: the number was dialled without asking the gate."));
            CheckHours(p, promotional: true, detectedAt);
            return;
        }
        if (decisionOf(attempt.intentId) is { } decision)
        {
            Judge(p, decision, detectedAt);
            return;
        }
        if (pending.Get(KeyOf(p)) is { } earlier)
        {
            // The same attempt sent again (a producer's retry) keeps waiting from its first arrival; one corrected
            // (another number, start or campaign) waits as corrected.
            if (SameCall(earlier, p))
            {
                return;
            }
            Forget(earlier, KeyOf(p));
        }
        pending.Put(KeyOf(p), p);
        Track(p, KeyOf(p));
    }

    private static bool SameCall(PendingAttempt a, PendingAttempt b) =>
        a.intentId == b.intentId && a.companyId == b.companyId && a.callCenterId == b.callCenterId
        && a.campaignId == b.campaignId && a.subjectRef == b.subjectRef && a.startedAt == b.startedAt;

    /// <summary>
    /// Judges the attempts that were waiting for this decision: those that dialled its number. One that dialled another
    /// number naming the same intentId keeps waiting for a decision of its own number's, as it would in a partition
    /// of its own.
    /// </summary>
    public void Resolve(string intentId, string? subjectRef, Func<CallDecision> decision, Instant detectedAt)
    {
        if (!byIntent.TryGetValue(intentId, out var waiting))
        {
            return;
        }
        CallDecision? judged = null;
        foreach (var key in waiting.ToList())
        {
            if (pending.Get(key) is { } p && p.subjectRef == subjectRef)
            {
                judged ??= decision();
                Forget(p, key);
                Judge(p, judged, detectedAt);
            }
        }
    }

    /// <summary>Attempts whose deadline stream time has passed (strictly) raise CALL_WITHOUT_CLEARANCE.</summary>
    public void Expire(Instant streamTime, Instant detectedAt)
    {
        while (deadlines.Count > 0)
        {
            var first = deadlines.Min;
            if (Instant.FromUnixTimeMilliseconds(first.Deadline) >= streamTime)
            {
                return;
            }
            deadlines.Remove(first);
            if (pending.Get(first.Key) is not { } p)
            {
                continue;
            }
            Forget(p, first.Key);
            raise(AlertFactory.ForPending(
                AlertType.CALL_WITHOUT_CLEARANCE, p, detectedAt,
                $"No decision for the intent and the number dialled within {options.Alerts.ClearanceGraceSeconds} s of the attempt's arrival: the dialer did not wait for the gate, or dialled another number than the intent's."));
            // An attempt whose intent is unknown is treated as promotional.
            CheckHours(p, promotional: true, detectedAt);
        }
    }

    /// <summary>Judges an attempt by the decision for its intent on the number it dialled (the only one it is ever given).</summary>
    private void Judge(PendingAttempt p, CallDecision decision, Instant detectedAt)
    {
        // The intent is this call's only when it is made for the same company. Then an attempt that names no campaign is
        // about the intent's, and the intent's purpose is the call's; otherwise the call is judged as one whose intent is
        // unknown: promotional for the calling hours (another company's campaign is not named).
        var sameCall = decision.companyId == p.companyId;
        var intentCampaign = sameCall ? decision.campaignId : null;
        // An alert goes to the company the call was made for: another company's reasons and name are not its to read.
        if (decision.outcome == Outcome.BLOCKED)
        {
            var reasons = sameCall ? $" ({string.Join(", ", decision.reasons)})" : " (for another company)";
            raise(AlertFactory.ForPending(AlertType.CALL_AFTER_BLOCK, p, detectedAt, $"The intent was BLOCKED{reasons} and was dialled anyway.", intentCampaign));
        }
        else if (!sameCall)
        {
            // Consents and caps are per company: a decision for one principal clears no call made for another.
            raise(AlertFactory.ForPending(AlertType.CALL_WITHOUT_CLEARANCE, p, detectedAt, "The intent was decided for another company than the one the call was made for."));
        }
        CheckHours(p, promotional: !sameCall || decision.purpose != Purpose.SERVICE, detectedAt, intentCampaign);
    }

    private void CheckHours(PendingAttempt p, bool promotional, Instant detectedAt, string? intentCampaignId = null)
    {
        if (promotional && !Rules.Window.IsOpen(p.startedAt.ToInstant()))
        {
            var local = p.startedAt.ToInstant().InZone(Rules.Zone).ToString("yyyy-MM-dd HH:mm:ss", null);
            raise(AlertFactory.ForPending(AlertType.CALL_OUTSIDE_HOURS, p, detectedAt, $"A promotional call started at {local} {Rules.Zone.Id}, outside the calling hours.", intentCampaignId));
        }
    }

    private void Track(PendingAttempt p, string key)
    {
        deadlines.Add((p.deadline.ToInstant().ToUnixTimeMilliseconds(), key));
        if (!byIntent.TryGetValue(p.intentId, out var list))
        {
            byIntent[p.intentId] = list = [];
        }
        if (!list.Contains(key))
        {
            list.Add(key);
        }
    }

    private void Forget(PendingAttempt p, string key)
    {
        pending.Delete(key);
        deadlines.Remove((p.deadline.ToInstant().ToUnixTimeMilliseconds(), key));
        if (byIntent.TryGetValue(p.intentId, out var list))
        {
            list.Remove(key);
            if (list.Count == 0)
            {
                byIntent.Remove(p.intentId);
            }
        }
    }
}
