using System.Diagnostics;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// DECIDE and AUDIT for the subjects of one partition: applies register updates and consents to each
/// subject's state, answers each intent once with <see cref="CallPolicy.DecideKnowing"/> at its decision time,
/// and judges attempts (<see cref="AttemptAudit"/>). Everything that waits or forgets follows this task's
/// stream time: the greatest arrival time (Kafka record timestamp, at most Intake:MaxClockAheadMinutes ahead of the
/// gate's clock) it has read.
/// </summary>
public sealed class SubjectProcessor : ITransformer<string, SubjectInput, string, GateOutput>
{
    /// <summary>Subjects looked at per sweep (every 10 s): a million an hour and a half, without slowing decisions.</summary>
    private const int SweepBatch = 2_000;

    private readonly GateTopologyOptions options;
    private ProcessorContext<string, GateOutput> context = null!;
    private IKeyValueStore<string, SubjectState> subjects = null!;
    private ConsultationReader consultations = null!;
    private AttemptAudit attempts = null!;
    private CampaignPartials campaigns = null!;
    private PublishedDecisionCheck? published;
    private int partition;
    private Instant streamTime = Instant.MinValue;
    private long lastRecordWallMillis;
    private string? sweepCursor;

    /// <summary>Between the first <see cref="Init"/> and <see cref="Close"/> (see there).</summary>
    private bool initialized;

    /// <summary>The stale episode (latest consultation, null for none) this task last told the monitor about.</summary>
    private (bool Told, Instant? Consultation) staleNoticed;

    public SubjectProcessor()
    {
        options = null!;
    }

    public SubjectProcessor(GateTopologyOptions options)
    {
        this.options = options;
    }

    private PolicyRules Rules => options.Rules;

    /// <summary>
    /// Streamiz 1.8.2 initializes a node once for every path from the task's sources to it (up to five here: the four
    /// input topics and subject-events) and closes it once per parent, on the same instance: only the first call sets
    /// up the task's state and schedules (each call used to add a sweep and a campaign flush of its own).
    /// </summary>
    public void Init(ProcessorContext<string, GateOutput> context)
    {
        if (initialized)
        {
            return;
        }
        initialized = true;
        this.context = context;
        subjects = (IKeyValueStore<string, SubjectState>)context.GetStateStore(StoreNames.Subjects);
        consultations = new ConsultationReader(context.GetStateStore(StoreNames.Consultations) as IReadOnlyKeyValueStore<string, byte[]>, options.Serdes);
        attempts = new AttemptAudit(options, (IKeyValueStore<string, PendingAttempt>)context.GetStateStore(StoreNames.PendingAttempts), Raise);
        campaigns = new CampaignPartials(
            (IKeyValueStore<string, CampaignCount>)context.GetStateStore(StoreNames.CampaignPartials), Rules.Zone, options.Alerts.ListNotScrubbedMinIntents, options.Alerts.MaxCampaignHoursPerTask);
        if (context.GetStateStore(StoreNames.SubjectCommits) is CommitHook commits)
        {
            commits.Committing += campaigns.Persist;
        }
        if (options.PublishedDecisions is { } view)
        {
            published = new PublishedDecisionCheck(view, options.Serdes, Stopwatch.GetTimestamp());
        }
        streamTime = attempts.Load();
        if (!options.IsReplay)
        {
            context.Schedule(options.CampaignFlushInterval, PunctuationType.PROCESSING_TIME, _ => campaigns.Flush(SendCounts));
            context.Schedule(TimeSpan.FromSeconds(10), PunctuationType.PROCESSING_TIME, OnWallClock);
        }
        partition = context.Id.Partition;
        options.Ownership?.Claim(partition);
    }

    public Record<string, GateOutput>? Process(Record<string, SubjectInput> record)
    {
        var input = record.Value;
        if (input?.Event is not { } ev)
        {
            return null;
        }
        // The record's timestamp (without one, the gate's clock; in replay its event time), but never further ahead of the gate's clock than
        // Intake:MaxClockAheadMinutes: one wrong producer clock must not make this task forget what it knows.
        var arrival = options.Intake.ArrivalOf(
            IntakeSettings.InstantOf(record.Timestamp) ?? options.WallClock?.GetCurrentInstant() ?? ev.eventTime.ToInstant(), options.WallClock?.GetCurrentInstant(), out var capped);
        if (capped)
        {
            options.Metrics?.ArrivalCapped(ev.kind.ToString());
        }
        if (arrival > streamTime)
        {
            streamTime = arrival;
        }
        lastRecordWallMillis = context.WallClockTime;
        // What waited past its grace is due before this record is read.
        attempts.Expire(streamTime, DetectedAt());

        switch (ev.kind)
        {
            case SubjectEventKind.REGISTER_UPDATE:
                ApplyRegisterUpdate(ev.subjectRef!, Decode(input, options.Serdes.RegisterUpdate));
                break;
            case SubjectEventKind.CONSENT:
                // Ties go to the later arrival as stamped (DESIGN), not as capped for stream time: the cap follows the gate's
                // clock, so reading the same records again (after a reset) would not always break a tie the same way.
                ApplyConsent(ev.subjectRef!, Decode(input, options.Serdes.ConsentEvent), IntakeSettings.InstantOf(record.Timestamp));
                break;
            case SubjectEventKind.INTENT:
                Decide(ev, Decode(input, options.Serdes.CallIntent), arrival, record);
                break;
            case SubjectEventKind.ATTEMPT:
                var attempt = Decode(input, options.Serdes.CallAttempt);
                attempts.Audit(attempt, ev.subjectRef, arrival, id => KnownDecision(ev.subjectRef, id), DetectedAt());
                break;
        }
        if (options.IsReplay)
        {
            campaigns.Flush(SendCounts);
        }
        return null;
    }

    public void Close()
    {
        if (!initialized)
        {
            return;
        }
        initialized = false;
        options.Ownership?.Release(partition);
    }

    private static T Decode<T>(SubjectInput input, Contracts.Serialization.AvroSerDes<T> serdes) where T : class, Avro.Specific.ISpecificRecord =>
        input.Record as T ?? serdes.Deserialize(input.Event.payload, default);

    private static string KeyOf(string? subjectRef, string intentId) => subjectRef ?? StoreNames.IntentKey(intentId);

    private void ApplyRegisterUpdate(string subjectRef, RegisterUpdate update)
    {
        var state = subjects.Get(subjectRef);
        if (SubjectStateRules.Apply(state?.register, update) is { } next)
        {
            state ??= new SubjectState();
            state.register = next;
            subjects.Put(subjectRef, state);
        }
    }

    private void ApplyConsent(string subjectRef, ConsentEvent consent, Instant? stamped)
    {
        var state = subjects.Get(subjectRef);
        if (SubjectStateRules.IsFullFor(state?.consents, consent.companyId))
        {
            options.Metrics?.StateLimited(GateMetrics.ConsentsLimited);
        }
        if (SubjectStateRules.Apply(state?.consents, consent, stamped) is { } next)
        {
            state ??= new SubjectState();
            state.consents = next;
            subjects.Put(subjectRef, state);
        }
    }

    private CallDecision? KnownDecision(string? subjectRef, string intentId) =>
        KnownDecisions.Find(subjects.Get(KeyOf(subjectRef, intentId)), intentId, streamTime) is { } known ? DecisionOf(known, subjectRef) : null;

    private CallDecision DecisionOf(KnownDecision known, string? subjectRef) => KnownDecisions.Decision(known, subjectRef, options.Serdes.CallDecision);

    private GateOutput PublishedOf(KnownDecision known, string? subjectRef) => GateOutput.Of(KnownDecisions.Published(known, subjectRef, options.Serdes.CallDecision));

    private void Decide(SubjectEvent ev, CallIntent intent, Instant arrival, Record<string, SubjectInput> record)
    {
        var subjectRef = ev.subjectRef;
        var key = KeyOf(subjectRef, intent.intentId);
        var state = subjects.Get(key);
        if (KnownDecisions.Find(state, intent.intentId, streamTime) is { } known)
        {
            var first = DecisionOf(known, subjectRef);
            if (first.companyId != intent.companyId)
            {
                RefuseReused(ev, record);
                return;
            }
            // Decided already: exactly one decision per intent, so a dialer's repeat is not answered a second time
            // (the first answer is on the topic) and not counted again. On the development broker the same record
            // read again after a crash publishes the decision kept for it if that never happened.
            var redelivered = known.sourceOffset >= 0 && known.sourcePartition == ev.sourcePartition && known.sourceOffset == ev.sourceOffset;
            if (redelivered && published?.WasPublished(intent.intentId) == false)
            {
                Emit(PublishedOf(known, subjectRef), intent.intentId);
            }
            attempts.Resolve(intent.intentId, subjectRef, () => first, DetectedAt());
            return;
        }
        // Stream time does not move within a decision: what the contacts keep is worked out once for it.
        var keepContactsFrom = KeepContactsFrom();
        if (published?.Adopt(intent.intentId, subjectRef, arrival, streamTime, keepContactsFrom, Duration.FromDays(options.Intake.IdempotenceDays), ref state) is { } adopted)
        {
            // Published before a crash, lost from local state: kept again, not published a second time (and, should this
            // be another company's intent under that id, not this one's decision).
            subjects.Put(key, state!);
            var adoptedDecision = DecisionOf(adopted, subjectRef);
            if (adoptedDecision.companyId != intent.companyId)
            {
                RefuseReused(ev, record);
                return;
            }
            attempts.Resolve(intent.intentId, subjectRef, () => adoptedDecision, DetectedAt());
            return;
        }

        using var activity = StartTrace(record, intent.intentId);
        var decisionTime = intent.scheduledAt.ToInstant();
        var facts = new IntentFacts(intent.companyId, intent.channel, intent.purpose, subjectRef != null, intent.callerId, decisionTime);
        var subject = subjectRef is null ? SubjectFacts.None : SubjectStateRules.FactsOf(state, intent.companyId, decisionTime);
        if (subject.ContactsFull)
        {
            // Full: let go of what has aged out first (the sweep does it too, but not in replay, nor between its rounds).
            state!.contacts = SubjectStateRules.Prune(state.contacts, keepContactsFrom);
            subject = SubjectStateRules.FactsOf(state, intent.companyId, decisionTime);
        }
        var full = subject.ContactsFull;
        // A number with contacts on record may have let go of some this decision would look back at (none were ever
        // recorded for a number without a contact list: nothing can be missing).
        if (state?.contacts is not null && !SubjectStateRules.ContactsCover(decisionTime, keepContactsFrom, Rules))
        {
            subject = subject with { ContactsFull = true };
        }
        var latestConsultation = consultations.LatestAt();
        // An intent that arrives after the time it names is dialled after it is decided: an objection known by then blocks it too.
        var knownAtArrival = subjectRef is null ? null : SubjectStateRules.KnownAtArrival(state, intent.companyId, decisionTime, arrival);
        var verdict = CallPolicy.DecideKnowing(facts, subject, knownAtArrival, latestConsultation, Rules);
        if (full && verdict.Reasons.Contains(Reason.FREQUENCY_CAP))
        {
            options.Metrics?.StateLimited(GateMetrics.ContactsLimited);
        }

        var now = options.WallClock?.GetCurrentInstant() ?? decisionTime;
        var decision = DecisionRecords.Of(intent, verdict, subjectRef, decisionTime, now);
        if (ev.sourceOffset >= 0)
        {
            decision.intentPartition = ev.sourcePartition;
            decision.intentOffset = ev.sourceOffset;
        }
        var bytes = options.Serdes.CallDecision.Serialize(decision, KnownDecisions.DecisionsTopic);
        state ??= new SubjectState();
        state.decisions = KnownDecisions.Remember(state, new KnownDecision
        {
            intentId = intent.intentId,
            decision = KnownDecisions.Keep(decision, options.Serdes.CallDecision),
            keepUntil = KnownDecisions.KeepUntil(decisionTime, arrival, Duration.FromDays(options.Intake.IdempotenceDays)).ToAvro(),
            sourcePartition = ev.sourcePartition,
            sourceOffset = ev.sourceOffset,
        }, streamTime);
        if (CallPolicy.CountsTowardsCap(facts, verdict))
        {
            state.contacts = SubjectStateRules.Record(state.contacts, intent.companyId, intent.intentId, decisionTime, keepContactsFrom);
        }
        subjects.Put(key, state);

        activity?.SetTag("rpo.outcome", decision.outcome.ToString());
        double? latency = options.IsReplay || record.Timestamp.UnixTimestampMs <= 0
            ? null
            : (now.ToUnixTimeMilliseconds() - record.Timestamp.UnixTimestampMs) / 1000.0;
        options.Metrics?.Decided(decision, latency);
        Emit(GateOutput.Of(bytes), intent.intentId);
        if (intent.purpose != Purpose.SERVICE)
        {
            // Counted at the task's stream time, which moves the monitor's (and dates its alert in replay).
            if (!campaigns.Count(decision, streamTime))
            {
                options.Metrics?.StateLimited(GateMetrics.CampaignsLimited);
            }
        }
        if (verdict.Reasons.Contains(Reason.REGISTER_STALE))
        {
            NoticeStale(decision, arrival, latestConsultation);
        }
        attempts.Resolve(intent.intentId, subjectRef, () => decision, DetectedAt());
    }

    /// <summary>Contacts older than any decision still accepted can need are forgotten (see <see cref="SubjectStateRules.KeepContactsFrom"/>).</summary>
    private Instant KeepContactsFrom() =>
        SubjectStateRules.KeepContactsFrom(streamTime, Duration.FromDays(options.Intake.MaxPastSkewDays), Rules);

    /// <summary>
    /// Tells the freshness monitor about a decision blocked for REGISTER_STALE when the register was stale at
    /// the intent's arrival (not merely at a decision time past the consultation's validity), once per episode.
    /// </summary>
    private void NoticeStale(CallDecision decision, Instant arrival, Instant? consultation)
    {
        if (!CallPolicy.IsStale(consultation, arrival, Rules) || (staleNoticed.Told && staleNoticed.Consultation == consultation))
        {
            return;
        }
        staleNoticed = (true, consultation);
        Emit(GateOutput.Of(new StaleNotice
        {
            intentId = decision.intentId,
            companyId = decision.companyId,
            callCenterId = decision.callCenterId,
            campaignId = decision.campaignId,
            subjectRef = decision.subjectRef,
            decisionTime = decision.decisionTime,
            arrivedAt = arrival.ToAvro(),
            consultedAt = consultation?.ToAvro(),
            streamTime = streamTime.ToAvro(),
        }), RegisterFreshnessMonitor.Key);
    }

    private void SendCounts(string key, CampaignCount counts) => Emit(GateOutput.Of(counts), key);

    private void OnWallClock(long wallMillis)
    {
        // An idle partition's stream time follows the wall clock, so pending attempts still expire.
        var idleAfter = options.Alerts.IdleAdvanceSeconds;
        if (idleAfter > 0 && attempts.HasPending && lastRecordWallMillis > 0 && wallMillis - lastRecordWallMillis >= idleAfter * 1000L)
        {
            var advanced = streamTime + Duration.FromMilliseconds(wallMillis - lastRecordWallMillis);
            lastRecordWallMillis = wallMillis;
            if (advanced > streamTime)
            {
                streamTime = advanced;
                attempts.Expire(streamTime, DetectedAt());
            }
        }
        campaigns.Purge(streamTime);
        Sweep();
    }

    /// <summary>Forgets, a bounded batch at a time, the decisions and contacts stream time has passed.</summary>
    private void Sweep()
    {
        if (streamTime == Instant.MinValue)
        {
            return;
        }
        var seen = 0;
        var changed = new List<KeyValuePair<string, SubjectState>>();
        string? last = null;
        var keepContactsFrom = KeepContactsFrom();
        var keepContactsFromAvro = keepContactsFrom.ToAvro();
        using (var range = subjects.Range(sweepCursor ?? string.Empty, StoreScan.End))
        {
            while (seen < SweepBatch && range.MoveNext())
            {
                var current = range.Current!.Value;
                last = current.Key;
                seen++;
                var state = current.Value;
                var dropped = KnownDecisions.Forget(state, streamTime);
                if (state.contacts?.contacts is { Count: > 0 } contacts && contacts.Any(c => c.at < keepContactsFromAvro))
                {
                    state.contacts = SubjectStateRules.Prune(state.contacts, keepContactsFrom);
                    dropped = true;
                }
                if (dropped)
                {
                    changed.Add(current);
                }
            }
        }
        foreach (var (key, state) in changed)
        {
            if (state.register is null && state.consents is null && state.contacts?.contacts is not { Count: > 0 } && state.decisions is null)
            {
                subjects.Delete(key);
            }
            else
            {
                subjects.Put(key, state);
            }
        }
        sweepCursor = seen < SweepBatch ? null : last + "\0";
    }

    private Instant DetectedAt() => options.WallClock?.GetCurrentInstant() ?? streamTime;

    private void Raise(ComplianceAlert alert)
    {
        options.Metrics?.Alerted(alert);
        Emit(GateOutput.Of(alert), AlertKeys.Of(alert));
    }

    private void Emit(GateOutput output, string key) => context.Forward(key, output);

    /// <summary>
    /// Another principal's intent under an id already decided: not this one's decision, and not decided again (a dialer
    /// matching decisions by id alone would take the first one's for its own). Said where producers look.
    /// </summary>
    private void RefuseReused(SubjectEvent ev, Record<string, SubjectInput> record) =>
        Refuse(ev, record, "intent: its intentId was decided within Intake:IdempotenceDays for an intent of another company; this one is not decided: give every intent an id of its own (a UUID)");

    /// <summary>Sends an input record this task will not use to the dead letters, as intake sends one it cannot read.</summary>
    private void Refuse(SubjectEvent ev, Record<string, SubjectInput> record, string error) =>
        Emit(GateOutput.Of(options.DeadLetterOf(
            TopicNames.Intents, ev.sourcePartition, ev.sourceOffset, error, record.Key is { } key ? System.Text.Encoding.UTF8.GetBytes(key) : null, ev.payload,
            record.Timestamp.UnixTimestampMs, record.Headers)), record.Key ?? string.Empty);

    private static Activity? StartTrace(Record<string, SubjectInput> record, string intentId)
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
        activity?.SetTag("rpo.intent_id", LogSafe.Text(intentId));
        return activity;
    }
}
