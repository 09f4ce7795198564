using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using RpoStreams.Fault.Tests.Infrastructure;
using RpoStreams.Testing;
using RpoStreams.Policy;
using RpoStreams.Simulation;

namespace RpoStreams.Fault.Tests;

/// <summary>
/// Losing an instance: two gates share the work (same application id, own state dirs and ports); one is
/// killed with SIGKILL mid-run, the survivor takes over its partitions (restoring their state from the
/// changelogs) and every intent still gets exactly one decision.
/// </summary>
public sealed class SurvivorTakeoverTests
{
    private const int Partitions = 4;
    private const int Intents = 40_000;

    [Fact(Timeout = 12 * 60 * 1000)]
    [Trait("Category", "Fault")]
    public async Task When_one_of_two_gates_is_killed_the_survivor_takes_over_and_every_intent_is_decided_once()
    {
        var cancel = FaultRig.Cancel;
        await using var rig = await FaultRig.StartAsync("takeover", Partitions);

        // Given two gates of one application sharing the partitions
        var victim = rig.Gate("gate-a");
        var survivor = rig.Gate("gate-b");
        var watch = rig.Watch();
        using var stopProducing = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Task<SimulationResult>? production = null;
        var allDecidedAfterKill = TimeSpan.Zero;
        var kills = 0;
        Exception? brokeOff = null;
        try
        {
            victim.Start();
            rig.Log($"gate-a RUNNING after {await victim.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel):g}");
            survivor.Start();
            rig.Log($"gate-b RUNNING after {await survivor.WaitRunningAsync(TimeSpan.FromSeconds(180), cancel):g}");
            // gate-a rebalanced when gate-b joined: both must be RUNNING with the partitions shared out.
            using (var either = Signal.AnyOf(victim.Current.Output, survivor.Current.Output))
            {
                await Wait.UntilAsync(
                    async () => await victim.StateAsync(cancel) == "RUNNING" && await survivor.StateAsync(cancel) == "RUNNING",
                    either, TimeSpan.FromSeconds(180), "both gates RUNNING", cancel,
                    abort: () => !victim.IsAlive ? "gate-a exited" : !survivor.IsAlive ? "gate-b exited" : null);
            }
            // The takeover tests something only if gate-a owns subject partitions when it is killed (a task claims its
            // partition when set up, which may come just after RUNNING): asked on a timer, as readiness logs nothing.
            IReadOnlyList<int>? victimOwned = null;
            using (var tick = Signal.Every(TimeSpan.FromMilliseconds(200)))
            {
                await Wait.UntilAsync(
                    async () => (victimOwned = await OwnedPartitionsAsync(victim, cancel)) is { Count: > 0 },
                    tick, TimeSpan.FromSeconds(60), "gate-a owning subject partitions", cancel,
                    abort: () => !victim.IsAlive ? "gate-a exited" : null);
            }
            var survivorOwned = await OwnedPartitionsAsync(survivor, cancel);
            rig.Log($"owned subject partitions: gate-a [{Show(victimOwned)}], gate-b [{Show(survivorOwned)}]");

            // When a run flows in and gate-a is killed while both are deciding
            production = Task.Run(() =>
            {
                using var producer = rig.Producer();
                return TrafficRun.Run(producer, new SimulationPlan { Register = 5_000, Intents = Intents, Rate = 2_000, Seed = 3, RunId = "t" }, PolicyRules.Default, null, stopProducing.Token);
            }, cancel);
            await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, Intents / 4, TimeSpan.FromSeconds(120), "a quarter of the run decided", cancel,
                state: () => $"{watch.Distinct} decided",
                abort: () => !victim.IsAlive || !survivor.IsAlive ? "a gate exited by itself" : null);
            var decidedAtKill = watch.Distinct;
            victim.Kill();
            kills++;
            var sinceKill = Stopwatch.StartNew();
            rig.Log($"SIGKILL gate-a (pid {victim.Current.Id}) with {decidedAtKill} intents decided");

            // Then gate-b takes over gate-a's partitions and decides everything, each intent once
            var sent = await production.WaitAsync(TimeSpan.FromMinutes(5), cancel);
            rig.Log($"producer: {sent}");
            Assert.Equal(0, sent.Failures);
            // While the group notices gate-a is gone and rebalances, gate-b may have nothing to do: allow a long still period.
            await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, Intents, TimeSpan.FromSeconds(150), "every intent decided after the kill", cancel,
                state: () => $"{watch.Distinct} decided, {watch.Records} records",
                abort: () => survivor.IsAlive ? null : $"gate-b exited with {survivor.Current.ExitCode}");
            allDecidedAfterKill = sinceKill.Elapsed;
            rig.Log($"all intents decided {allDecidedAfterKill.TotalSeconds:0.0} s after the kill: {watch.Distinct} distinct, {watch.Records} records");
            rig.Log($"gate-b now owns [{Show(await OwnedPartitionsAsync(survivor, cancel))}]");
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Still audit and record the figures: they say how far the run got.
            brokeOff = await rig.BrokeOffAsync(e, survivor);
        }
        finally
        {
            await stopProducing.CancelAsync();
            if (production != null)
            {
                await production.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }

        var survived = survivor.Starts > 0 && survivor.IsAlive;
        var stop = survivor.Starts > 0 ? await survivor.TerminateAsync(TimeSpan.FromSeconds(30)) : (Exited: true, Took: TimeSpan.Zero, ExitCode: (int?)null);
        var audit = await rig.AuditAsync(TimeSpan.FromSeconds(brokeOff is null ? 30 : 5));
        rig.Log($"audit: {audit}");
        FaultFigures.Record(
            "survivor-takeover",
            ("kills", kills), ("intents", audit.Intents), ("missing", audit.Missing), ("duplicated", audit.Duplicated),
            ("decided_after_kill", allDecidedAfterKill), ("partitions", Partitions));
        rig.LogAnomalies(watch, "t", Intents);

        if (brokeOff != null)
        {
            ExceptionDispatchInfo.Capture(brokeOff).Throw();
        }
        Assert.True(survived, "gate-b exited during the takeover");
        Assert.Equal(Intents, audit.Intents);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.Duplicated);
        Assert.True(stop.Exited, "gate-b did not exit within 30 s of SIGTERM");
        rig.Passed();
    }

    /// <summary>The subject partitions an instance says it owns (<c>/health/ready</c>), or null when it does not say.</summary>
    private static async Task<IReadOnlyList<int>?> OwnedPartitionsAsync(GateProcess gate, CancellationToken cancel)
    {
        using var ready = await gate.ReadyAsync(cancel);
        if (ready is null || !ready.RootElement.TryGetProperty("ownedPartitions", out var owned) || owned.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        return owned.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToList();
    }

    private static string Show(IReadOnlyList<int>? partitions) => partitions is null ? "not reported" : string.Join(",", partitions);
}
