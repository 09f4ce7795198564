using System.Runtime.ExceptionServices;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Fault.Tests.Infrastructure;
using RpoStreams.Testing;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Fault.Tests;

/// <summary>
/// Losing the disk: the gate's state dir is deleted between two runs, so everything it knows (register,
/// consents, contact history, earlier decisions, input positions) must come back from the changelog topics,
/// and decisions that depend on that state must come out as if nothing had happened.
/// </summary>
public sealed class StateRestoreTests
{
    private const int Partitions = 4;
    private const int SubjectsPerKind = 20;

    [Fact(Timeout = 10 * 60 * 1000)]
    [Trait("Category", "Fault")]
    public async Task Gate_restarted_on_a_wiped_state_dir_restores_from_the_changelogs_and_decides_as_before()
    {
        var cancel = FaultRig.Cancel;
        await using var rig = await FaultRig.StartAsync("restore", Partitions);
        var rules = PolicyRules.Default;
        var now = SystemClock.Instance.GetCurrentInstant();
        var at = rules.Window.NextOpen(now);
        var traffic = new SyntheticTraffic(seed: 5, rules, registerShare: 0.35, runId: "r");
        var registered = Enumerable.Range(0, 10_000).Select(i => (long)i).Where(traffic.IsRegistered).Take(SubjectsPerKind).ToList();
        var unregistered = Enumerable.Range(0, 10_000).Select(i => (long)i).Where(i => !traffic.IsRegistered(i)).Take(SubjectsPerKind).ToList();
        var consented = registered[0];

        // Given a consultation, a register and a consent given after registration, applied by a running gate
        using (var producer = rig.Producer())
        {
            producer.Consultation(traffic.Consultation(now));
            foreach (var r in registered)
            {
                producer.Register(traffic.Registration(r, now));
            }
            producer.Consent(new ConsentEvent
            {
                subject = SyntheticTraffic.Number(consented),
                subjectType = SubjectType.PHONE,
                companyId = "ACME",
                action = ConsentAction.GRANTED,
                basis = ConsentBasis.EXPLICIT_CONSENT,
                at = (now - Duration.FromDays(1)).ToAvro(),
            });
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        var gate = rig.Gate("gate");
        gate.Start();
        rig.Log($"gate RUNNING after {await gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel):g}");
        var watch = rig.Watch(keepDecisions: true);
        // Every registration and the consent land in the subject-state changelog (one record each).
        await TopicCounter.WaitForRecordsAsync(rig.BootstrapServers, $"{rig.ApplicationId}-{StoreNames.Subjects}-changelog", registered.Count + 1, TimeSpan.FromSeconds(120), cancel);

        // ... and a first round of intents: registered numbers blocked, the consented one and free ones allowed
        var first = new List<(CallIntent Intent, Expected Expected)>();
        foreach (var r in registered)
        {
            first.Add((Intent($"r1-reg-{r}", r, "ACME", at), r == consented ? Expected.Allowed(Basis.CONSENT_AFTER_REGISTRATION) : Expected.Blocked(Reason.RPO_OPPOSITION)));
        }
        foreach (var u in unregistered)
        {
            first.Add((Intent($"r1-free-{u}", u, "ACME", at), Expected.Allowed(Basis.NOT_REGISTERED)));
        }
        Send(rig, first.Select(f => f.Intent));
        await Wait.UntilAsync(() => first.All(f => watch.CountOf(f.Intent.intentId) >= 1), watch.Changed, TimeSpan.FromSeconds(120), "first round decided", cancel,
            state: () => $"{watch.Distinct} decided");
        var before = first.ToDictionary(f => f.Intent.intentId, f => watch.DecisionsOf(f.Intent.intentId)[0]);
        Assert.Empty(Mismatches(first, id => before[id]));

        // When the gate stops, its state dir is deleted, and it starts again
        TimeSpan? restore = null;
        var mismatches = new List<string>();
        var second = new List<(CallIntent Intent, Expected Expected)>();
        (bool Exited, TimeSpan Took, int? ExitCode) stopped = (false, TimeSpan.Zero, null);
        Exception? brokeOff = null;
        try
        {
            var stop = await gate.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(stop.Exited, "the gate did not exit within 30 s of SIGTERM");
            rig.Log($"gate stopped in {stop.Took.TotalSeconds:0.0} s (code {stop.ExitCode})");
            Directory.Delete(gate.StateDir, recursive: true);
            Assert.False(Directory.Exists(gate.StateDir));
            gate.Start();
            restore = await gate.WaitRunningAsync(TimeSpan.FromSeconds(240), cancel);
            rig.Log($"gate RUNNING on an empty state dir {restore.Value.TotalSeconds:0.0} s after process start");

            // Then decisions that depend on the restored state are as before the wipe
            foreach (var r in registered.Where(r => r != consented))
            {
                second.Add((Intent($"r2-reg-{r}", r, "ACME", at), Expected.Blocked(Reason.RPO_OPPOSITION)));
            }
            // The consent survives (no RPO_OPPOSITION) and so does the contact allowed before the wipe (same day, same company).
            second.Add((Intent("r2-consented", consented, "ACME", at), Expected.Blocked(Reason.FREQUENCY_CAP)));
            foreach (var u in unregistered)
            {
                second.Add((Intent($"r2-cap-{u}", u, "ACME", at), Expected.Blocked(Reason.FREQUENCY_CAP)));
                second.Add((Intent($"r2-other-{u}", u, "BETA", at), Expected.Allowed(Basis.NOT_REGISTERED)));
            }
            // The second round first (a restore that lost the contacts would let the capped calls through), then the
            // first round's intents again, then one more intent per subject: each subject's records are read in order in
            // its partition, so once the last ones are decided the repeats have been read. A repeat gets no second
            // decision (known from the restored state, or on this development broker adopted from the topic).
            var subjects = registered.Concat(unregistered).ToList();
            Send(rig, second.Select(s => s.Intent).Concat(first.Select(f => f.Intent)).Concat(subjects.Select(n => Intent($"r3-{n}", n, "GAMMA", at))));
            await Wait.UntilAsync(
                () => second.All(s => watch.CountOf(s.Intent.intentId) >= 1) && subjects.All(n => watch.CountOf($"r3-{n}") >= 1),
                watch.Changed, TimeSpan.FromSeconds(180), "second round and the last intents decided", cancel,
                state: () => $"{watch.Distinct} decided, {watch.Records} decision records");
            mismatches.AddRange(Mismatches(second, id => watch.DecisionsOf(id)[0]));
            foreach (var (intent, _) in first)
            {
                if (watch.DecisionsOf(intent.intentId) is { Count: > 1 } all)
                {
                    var original = before[intent.intentId];
                    mismatches.Add($"{intent.intentId} (repeated): decided again after the wipe ({all.Count} decisions; first {Describe(original)} at {original.decidedAt:O}, then {Describe(all[1])} at {all[1].decidedAt:O}), a second decision for one intent");
                }
            }
            stopped = await gate.TerminateAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Still audit and record the figures: they say how far the run got.
            brokeOff = await rig.BrokeOffAsync(e, gate);
        }

        var audit = await rig.AuditAsync(TimeSpan.FromSeconds(brokeOff is null ? 30 : 5));
        rig.Log($"audit: {audit}");
        FaultFigures.Record(
            "restore-from-changelogs",
            ("restore", restore is { } r0 ? (object)r0 : "none"), ("state_dependent_intents", second.Count + first.Count), ("mismatches", mismatches.Count),
            ("intents", audit.Intents), ("missing", audit.Missing), ("duplicated", audit.Duplicated), ("partitions", Partitions));
        foreach (var mismatch in mismatches)
        {
            rig.Log("mismatch: " + mismatch);
        }

        if (brokeOff != null)
        {
            ExceptionDispatchInfo.Capture(brokeOff).Throw();
        }
        Assert.Empty(mismatches);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.Duplicated);
        Assert.True(stopped.Exited, "the gate did not exit within 30 s of SIGTERM");
        rig.Passed();
    }

    private static void Send(FaultRig rig, IEnumerable<CallIntent> intents)
    {
        using var producer = rig.Producer();
        foreach (var intent in intents)
        {
            producer.Intent(intent);
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        Assert.Equal(0, producer.Failures);
    }

    private static CallIntent Intent(string id, long subject, string company, Instant at) => new()
    {
        intentId = id,
        companyId = company,
        callCenterId = "CC-FAULT",
        campaignId = company + "-RESTORE",
        channel = Channel.PHONE,
        subject = SyntheticTraffic.Number(subject),
        callerId = "+390212345678",
        purpose = Purpose.PROMOTIONAL,
        scheduledAt = at.ToAvro(),
    };

    private static IEnumerable<string> Mismatches(IEnumerable<(CallIntent Intent, Expected Expected)> cases, Func<string, CallDecision> decisionOf)
    {
        foreach (var (intent, expected) in cases)
        {
            var decision = decisionOf(intent.intentId);
            if (!expected.Matches(decision))
            {
                yield return $"{intent.intentId}: expected {expected}, got {Describe(decision)}";
            }
        }
    }

    private static string Describe(CallDecision d) => $"{d.outcome} [{string.Join(",", d.reasons)}] basis {d.basis?.ToString() ?? "-"}";

    private sealed record Expected(Outcome Outcome, Reason[] Reasons, Basis? Basis)
    {
        public static Expected Allowed(Basis basis) => new(Outcome.ALLOWED, [], basis);

        public static Expected Blocked(params Reason[] reasons) => new(Outcome.BLOCKED, reasons, null);

        public bool Matches(CallDecision d) => d.outcome == Outcome && d.basis == Basis && d.reasons.Order().SequenceEqual(Reasons.Order());

        public override string ToString() => $"{Outcome} [{string.Join(",", Reasons)}] basis {Basis?.ToString() ?? "-"}";
    }
}
