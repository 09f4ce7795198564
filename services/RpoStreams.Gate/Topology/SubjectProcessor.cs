using System.Diagnostics;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Gate.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// DECIDE and AUDIT for the subjects of one partition. Keeps each subject's register state, consents and
/// contact history, answers each intent once with <see cref="Policy.Policy.Decide"/>, remembers the
/// decision by intentId, and judges attempts against it (CALL_AFTER_BLOCK, CALL_WITHOUT_CLEARANCE,
/// CALL_OUTSIDE_HOURS). Stream time is the greatest event time seen by this task.
/// </summary>
public sealed class SubjectProcessor : ITransformer<string, SubjectEvent, string, GateOutput>
{
    private const int SweepBatch = 10_000;

    private readonly GateTopologyOptions options;
    private ProcessorContext<string, GateOutput> context = null!;
    private IKeyValueStore<string, SubjectState> subjects = null!;
    private IKeyValueStore<string, CallDecision> decisions = null!;
    private IKeyValueStore<string, PendingAttempt> pending = null!;
    private ConsultationReader consultations = null!;
    private InputPositions positions = null!;
    private IEmittedDecisions? emitted;
    private long createdAt;
    private Instant createdAtWall;

    /// <summary>Pending attempts by deadline, mirrored from the pending store (rebuilt at start).</summary>
    private readonly SortedSet<(long Deadline, string AttemptId)> deadlines = new();
    private readonly Dictionary<string, List<string>> pendingByIntent = new(StringComparer.Ordinal);

    private Instant streamTime = Instant.MinValue;
    private long lastRecordWallMillis;
    private string? sweepCursor;

    public SubjectProcessor()
    {
        options = null!;
    }

    public SubjectProcessor(GateTopologyOptions options)
    {
        this.options = options;
    }

    private PolicyRules Rules => options.Rules;

    private Duration Grace => Duration.FromSeconds(options.Alerts.ClearanceGraceSeconds);

    public void Init(ProcessorContext<string, GateOutput> context)
    {
        this.context = context;
        subjects = (IKeyValueStore<string, SubjectState>)context.GetStateStore(StoreNames.Subjects);
        decisions = (IKeyValueStore<string, CallDecision>)context.GetStateStore(StoreNames.Decisions);
        pending = (IKeyValueStore<string, PendingAttempt>)context.GetStateStore(StoreNames.PendingAttempts);
        positions = new InputPositions(context, StoreNames.SubjectPositions, StoreNames.SubjectCommits, options.GuardInputPositions);
        emitted = options.EmittedDecisions;
        createdAt = System.Diagnostics.Stopwatch.GetTimestamp();
        createdAtWall = options.WallClock?.GetCurrentInstant() ?? Instant.MinValue;
        consultations = new ConsultationReader(context.GetStateStore(StoreNames.Consultations) as IReadOnlyKeyValueStore<string, byte[]>, options.Serdes);

        foreach (var entry in StoreScan.Each(pending))
        {
            Track(entry.Value);
            if (entry.Value.startedAt.ToInstant() > streamTime)
            {
                streamTime = entry.Value.startedAt.ToInstant();
            }
        }

        if (!options.IsReplay)
        {
            context.Schedule(TimeSpan.FromSeconds(10), PunctuationType.PROCESSING_TIME, OnWallClock);
        }
        partition = context.Id.Partition;
        options.Ownership?.Claim(partition);
    }

    private int partition;

    public Record<string, GateOutput>? Process(Record<string, SubjectEvent> record)
    {
        var ev = record.Value;
        if (ev is null || !positions.Begin(context.Topic, context.Partition.Value, context.Offset))
        {
            return null;
        }
        var eventTime = ev.eventTime.ToInstant();
        if (eventTime > streamTime)
        {
            streamTime = eventTime;
        }
        lastRecordWallMillis = context.WallClockTime;

        switch (ev.kind)
        {
            case SubjectEventKind.REGISTER_UPDATE:
                ApplyRegisterUpdate(ev);
                break;
            case SubjectEventKind.CONSENT:
                ApplyConsent(ev);
                break;
            case SubjectEventKind.INTENT:
                Decide(ev, record);
                break;
            case SubjectEventKind.ATTEMPT:
                Audit(ev);
                break;
            case SubjectEventKind.TICK:
                break;
        }
        ExpirePending();
        return null;
    }

    public void Close() => options.Ownership?.Release(partition);

    private void ApplyRegisterUpdate(SubjectEvent ev)
    {
        var update = options.Serdes.RegisterUpdate.Deserialize(ev.payload, default);
        var state = subjects.Get(ev.subjectRef);
        var next = SubjectStateRules.Apply(state?.register, update);
        if (next != null)
        {
            state ??= new SubjectState();
            state.register = next;
            subjects.Put(ev.subjectRef, state);
        }
    }

    private void ApplyConsent(SubjectEvent ev)
    {
        var consent = options.Serdes.ConsentEvent.Deserialize(ev.payload, default);
        var state = subjects.Get(ev.subjectRef);
        var next = SubjectStateRules.Apply(state?.consents, consent);
        if (next != null)
        {
            state ??= new SubjectState();
            state.consents = next;
            subjects.Put(ev.subjectRef, state);
        }
    }

    private void Decide(SubjectEvent ev, Record<string, SubjectEvent> record)
    {
        var intent = options.Serdes.CallIntent.Deserialize(ev.payload, default);
        var local = decisions.Get(intent.intentId);
        var previous = local ?? AlreadyEmitted(intent.intentId);
        if (previous != null)
        {
            if (previous.intentPartition == ev.sourcePartition && previous.intentOffset == ev.sourceOffset && ev.sourceOffset >= 0)
            {
                // The same intent record delivered again (a task redoing work after a crash): answered already,
                // unless, on a broker without transactions, the crash kept the state but lost the published decision.
                // A decision this task made itself is on its way out (the view may not show it yet); only one made
                // before the task was created, by an earlier owner that since flushed or died, can have been lost.
                if (local != null && emitted != null && local.decidedAt.ToInstant() < createdAtWall
                    && emitted.FindPublished(intent.intentId, createdAt) is null)
                {
                    Emit(new GateOutput { Decision = local }, local.intentId);
                }
                ResolvePending(previous);
                return;
            }
            // A repeated intentId: the first answer again, unchanged, not re-evaluated and not counted.
            Emit(new GateOutput { Decision = previous, Repeated = true }, previous.intentId);
            return;
        }

        using var activity = StartTrace(record, intent.intentId);
        var subjectRef = ev.subjectRef;
        var decisionTime = intent.scheduledAt.ToInstant();
        var facts = new IntentFacts(intent.companyId, intent.channel, intent.purpose, subjectRef != null, intent.callerId, decisionTime);
        SubjectState? state = null;
        var subject = SubjectFacts.None;
        if (subjectRef != null)
        {
            state = subjects.Get(subjectRef);
            subject = new SubjectFacts(
                SubjectStateRules.ToFacts(state?.register),
                SubjectStateRules.ConsentOf(state?.consents, intent.companyId),
                SubjectStateRules.ContactsOf(state?.contacts, intent.companyId));
        }
        var verdict = Policy.Policy.Decide(facts, subject, LatestConsultation(), Rules);

        var now = options.WallClock?.GetCurrentInstant() ?? decisionTime;
        var decision = DecisionRecords.Of(intent, verdict, subjectRef, decisionTime, now);
        if (ev.sourceOffset >= 0)
        {
            decision.intentPartition = ev.sourcePartition;
            decision.intentOffset = ev.sourceOffset;
        }
        decisions.Put(intent.intentId, decision);
        if (subjectRef != null && Policy.Policy.CountsTowardsCap(facts, verdict))
        {
            // Keep every contact a decision still accepted (up to Intake:MaxPastSkewDays back) could need.
            var keepFrom = SubjectStateRules.KeepContactsFrom(streamTime, Duration.FromDays(options.Intake.MaxPastSkewDays), Rules);
            state ??= new SubjectState();
            state.contacts = SubjectStateRules.Record(state.contacts, intent.companyId, intent.intentId, decisionTime, keepFrom);
            subjects.Put(subjectRef, state);
        }

        activity?.SetTag("rpo.outcome", decision.outcome.ToString());
        double? latency = options.IsReplay || record.Timestamp.UnixTimestampMs <= 0
            ? null
            : (now.ToUnixTimeMilliseconds() - record.Timestamp.UnixTimestampMs) / 1000.0;
        options.Metrics?.Decided(decision, latency);
        Emit(new GateOutput { Decision = decision }, decision.intentId);
        ResolvePending(decision);
    }

    /// <summary>Judges the attempts that were waiting for this intent's decision.</summary>
    private void ResolvePending(CallDecision decision)
    {
        if (pendingByIntent.TryGetValue(decision.intentId, out var waiting))
        {
            foreach (var attemptId in waiting.ToList())
            {
                var p = pending.Get(attemptId);
                if (p != null)
                {
                    Forget(p);
                    Judge(p, decision);
                }
            }
        }
    }

    /// <summary>
    /// When reconciling outputs: a decision already visible in calls.decisions.v1 that local state lost in a
    /// crash (the broker did not make the output and the changelog atomic). It is adopted, not decided again.
    /// </summary>
    private CallDecision? AlreadyEmitted(string intentId)
    {
        if (emitted?.FindPublished(intentId, createdAt) is not { } bytes)
        {
            return null;
        }
        var decision = options.Serdes.CallDecision.Deserialize(bytes, new Confluent.Kafka.SerializationContext(Confluent.Kafka.MessageComponentType.Value, Contracts.TopicNames.Decisions));
        decisions.Put(intentId, decision);
        return decision;
    }

    private void Audit(SubjectEvent ev)
    {
        var attempt = options.Serdes.CallAttempt.Deserialize(ev.payload, default);
        var p = new PendingAttempt
        {
            attemptId = attempt.attemptId,
            intentId = attempt.intentId ?? string.Empty,
            companyId = attempt.companyId,
            callCenterId = attempt.callCenterId,
            campaignId = attempt.campaignId,
            subjectRef = ev.subjectRef,
            startedAt = attempt.startedAt,
            deadline = (attempt.startedAt.ToInstant() + Grace).ToAvro(),
        };
        if (string.IsNullOrEmpty(attempt.intentId))
        {
            Raise(AlertFactory.ForPending(AlertType.CALL_WITHOUT_CLEARANCE, p, DetectedAt(), "The attempt names no intent: the number was dialled without asking the gate."));
            CheckHours(p, promotional: true);
            return;
        }
        var decision = decisions.Get(attempt.intentId);
        if (decision != null)
        {
            Judge(p, decision);
            return;
        }
        pending.Put(p.attemptId, p);
        Track(p);
    }

    /// <summary>Judges an attempt against the decision of the intent it names.</summary>
    private void Judge(PendingAttempt p, CallDecision decision)
    {
        if (decision.subjectRef != p.subjectRef)
        {
            Raise(AlertFactory.ForPending(AlertType.CALL_WITHOUT_CLEARANCE, p, DetectedAt(), "The number dialled is not the one the intent was decided for."));
        }
        else if (decision.outcome == Outcome.BLOCKED)
        {
            var reasons = string.Join(", ", decision.reasons);
            Raise(AlertFactory.ForPending(AlertType.CALL_AFTER_BLOCK, p, DetectedAt(), $"The intent was BLOCKED ({reasons}) and was dialled anyway."));
        }
        CheckHours(p, promotional: decision.purpose != Purpose.SERVICE);
    }

    private void CheckHours(PendingAttempt p, bool promotional)
    {
        if (promotional && !Rules.Window.IsOpen(p.startedAt.ToInstant()))
        {
            var local = p.startedAt.ToInstant().InZone(Rules.Zone).ToString("yyyy-MM-dd HH:mm:ss", null);
            Raise(AlertFactory.ForPending(AlertType.CALL_OUTSIDE_HOURS, p, DetectedAt(), $"A promotional call started at {local} {Rules.Zone.Id}, outside the calling hours."));
        }
    }

    /// <summary>Attempts whose intent got no decision by startedAt + grace (strictly passed) raise CALL_WITHOUT_CLEARANCE.</summary>
    private void ExpirePending()
    {
        while (deadlines.Count > 0)
        {
            var first = deadlines.Min;
            if (Instant.FromUnixTimeMilliseconds(first.Deadline) >= streamTime)
            {
                return;
            }
            var p = pending.Get(first.AttemptId);
            deadlines.Remove(first);
            if (p is null)
            {
                continue;
            }
            Forget(p);
            Raise(AlertFactory.ForPending(
                AlertType.CALL_WITHOUT_CLEARANCE, p, DetectedAt(),
                $"No decision for the intent within {options.Alerts.ClearanceGraceSeconds} s of the attempt."));
            CheckHours(p, promotional: true);
        }
    }

    private void OnWallClock(long wallMillis)
    {
        // An idle partition's stream time follows the wall clock, so pending attempts still expire.
        var idleAfter = options.Alerts.IdleAdvanceSeconds;
        if (idleAfter > 0 && deadlines.Count > 0 && lastRecordWallMillis > 0 && wallMillis - lastRecordWallMillis >= idleAfter * 1000L)
        {
            var advanced = streamTime + Duration.FromMilliseconds(wallMillis - lastRecordWallMillis);
            lastRecordWallMillis = wallMillis;
            if (advanced > streamTime)
            {
                streamTime = advanced;
                ExpirePending();
            }
        }
        SweepDecisions();
    }

    /// <summary>Forgets decisions older than the idempotence window, a bounded batch at a time.</summary>
    private void SweepDecisions()
    {
        var cutoff = (options.WallClock!.GetCurrentInstant() - Duration.FromDays(options.Intake.IdempotenceDays)).ToAvro();
        var seen = 0;
        var expired = new List<string>();
        string? last = null;
        using (var range = decisions.Range(sweepCursor ?? string.Empty, "\uffff"))
        {
            while (seen < SweepBatch && range.MoveNext())
            {
                var current = range.Current!.Value;
                last = current.Key;
                seen++;
                if (current.Value.decidedAt < cutoff && !pendingByIntent.ContainsKey(current.Key))
                {
                    expired.Add(current.Key);
                }
            }
        }
        foreach (var key in expired)
        {
            decisions.Delete(key);
        }
        sweepCursor = seen < SweepBatch ? null : last + "\0";
    }

    private Instant? LatestConsultation() => consultations.LatestAt();

    private Instant DetectedAt() => options.WallClock?.GetCurrentInstant() ?? streamTime;

    private void Track(PendingAttempt p)
    {
        deadlines.Add((p.deadline.ToInstant().ToUnixTimeMilliseconds(), p.attemptId));
        if (!pendingByIntent.TryGetValue(p.intentId, out var list))
        {
            pendingByIntent[p.intentId] = list = [];
        }
        list.Add(p.attemptId);
    }

    private void Forget(PendingAttempt p)
    {
        pending.Delete(p.attemptId);
        deadlines.Remove((p.deadline.ToInstant().ToUnixTimeMilliseconds(), p.attemptId));
        if (pendingByIntent.TryGetValue(p.intentId, out var list))
        {
            list.Remove(p.attemptId);
            if (list.Count == 0)
            {
                pendingByIntent.Remove(p.intentId);
            }
        }
    }

    private void Raise(ComplianceAlert alert)
    {
        options.Metrics?.Alerted(alert);
        Emit(new GateOutput { Alert = alert }, alert.companyId ?? string.Empty);
    }

    private void Emit(GateOutput output, string key) => context.Forward(key, output);

    private static Activity? StartTrace(Record<string, SubjectEvent> record, string intentId)
    {
        if (!GateMetrics.Traces.HasListeners())
        {
            return null;
        }
        var header = record.Headers?.TryGetLastBytes("traceparent", out var bytes) == true ? System.Text.Encoding.ASCII.GetString(bytes) : null;
        if (header is null || !ActivityContext.TryParse(header, null, out var parent))
        {
            return null;
        }
        var activity = GateMetrics.Traces.StartActivity("decide", ActivityKind.Consumer, parent);
        activity?.SetTag("rpo.intent_id", intentId);
        return activity;
    }
}
