using NodaTime;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>One question to the check API.</summary>
public sealed record CheckQuery(string Subject, string CompanyId, Channel Channel, Purpose Purpose, Instant At, string? CallerId);

/// <summary>The answer: what the gate would decide now, nothing recorded.</summary>
public sealed record CheckAnswer(
    string Outcome,
    IReadOnlyList<string> Reasons,
    string? Basis,
    string PolicyVersion,
    string? SubjectRef,
    string DecisionTime,
    IReadOnlyList<string> NotEvaluated,
    int? Partition);

/// <summary>
/// Answers "what would the gate decide" from this instance's state stores with the same
/// <see cref="CallPolicy.DecideKnowing"/> the stream uses; nothing is recorded. Which instance owns the
/// subject is for the caller (<see cref="CheckEndpoints"/>) to sort out.
/// </summary>
public sealed class CheckService
{
    private readonly GateRuntime runtime;
    private readonly PolicyRules rules;
    private readonly SubjectHasher hasher;
    private readonly int partitions;

    public CheckService(GateRuntime runtime, GateConfiguration config)
    {
        this.runtime = runtime;
        rules = config.Rules;
        hasher = new SubjectHasher(config.HashSecret);
        partitions = config.Kafka.Partitions;
    }

    /// <summary>The normalized subject's ref and partition, or null when the subject cannot be normalized.</summary>
    public (string Ref, int Partition)? Locate(string subject, Channel channel)
    {
        if (!SubjectNormalizer.TryNormalize(subject, SubjectNormalizer.TypeOf(channel), out var normalized))
        {
            return null;
        }
        var subjectRef = hasher.RefOf(normalized);
        return (subjectRef, SubjectPlacement.PartitionOf(normalized.Value, partitions));
    }

    public bool OwnsPartition(int partition) => runtime.Owns(partition);

    /// <summary>The rules a query leaves out: CALLER_ID_INVALID for a phone call asked about without its caller line.</summary>
    public static IReadOnlyList<string> NotEvaluated(CheckQuery query) =>
        query.Channel == Channel.PHONE && query.CallerId is null ? [nameof(Reason.CALLER_ID_INVALID)] : [];

    /// <summary>The time a query is answered for, ISO-8601 in UTC to the fraction of a second given.</summary>
    public static string TimeOf(CheckQuery query) => Policy.PolicyTime.Text(query.At);

    /// <summary>The version of the policy the answers come from.</summary>
    public string PolicyVersion => rules.Version;

    /// <summary>Decides from local state; the subject's partition must be owned here (or the subject invalid).</summary>
    public CheckAnswer Answer(CheckQuery query) => Answer(query, Locate(query.Subject, query.Channel), runtime.LatestConsultation());

    /// <summary>
    /// As <see cref="Answer(CheckQuery)"/>, for a caller that has already located the subject (to route it)
    /// and read the latest consultation (once for a whole batch).
    /// </summary>
    public CheckAnswer Answer(CheckQuery query, (string Ref, int Partition)? located, Instant? latestConsultation)
    {
        var subject = SubjectFacts.None;
        SubjectFacts? knownNow = null;
        if (located is { } l)
        {
            // No store (tasks moving in a rebalance) is never "no state": that would answer for a registered
            // subject as if it were not; the exception handler makes it a 503 to retry.
            var store = runtime.SubjectStore<SubjectState>(StoreNames.Subjects)
                ?? throw new Streamiz.Kafka.Net.Errors.InvalidStateStoreException($"the state store {StoreNames.Subjects} is not available on this instance now");
            var state = store.Get(l.Ref);
            subject = SubjectStateRules.FactsOf(state, query.CompanyId, query.At);
            // As for an intent sent now: for a time already past, an objection known now blocks too.
            knownNow = SubjectStateRules.KnownAtArrival(state, query.CompanyId, query.At, NodaTime.SystemClock.Instance.GetCurrentInstant());
        }
        var notEvaluated = NotEvaluated(query);
        // The caller line is a property of the call, not of the subject: without one, the rule is left out.
        var callerId = notEvaluated.Count > 0 ? "+390212345678" : query.CallerId;
        var facts = new IntentFacts(query.CompanyId, query.Channel, query.Purpose, located is not null, callerId, query.At);
        var verdict = CallPolicy.DecideKnowing(facts, subject, knownNow, latestConsultation, rules);
        return new CheckAnswer(
            verdict.Outcome.ToString(),
            [.. verdict.Reasons.Select(r => r.ToString())],
            verdict.Basis?.ToString(),
            verdict.PolicyVersion,
            located?.Ref,
            TimeOf(query),
            notEvaluated,
            located?.Partition);
    }
}
