using System.Runtime.ExceptionServices;
using RpoStreams.Fault.Tests.Infrastructure;
using RpoStreams.Gate.Hosting;
using RpoStreams.Testing;
using RpoStreams.Policy;
using RpoStreams.Simulation;

namespace RpoStreams.Fault.Tests;

/// <summary>
/// A graceful stop (what Kubernetes sends before SIGKILL): on SIGTERM mid-run the gate commits what it has
/// done and exits within 30 s with code 0; nothing it decided is lost or decided again, and after a restart
/// everything sent before the stop has exactly one decision.
/// </summary>
public sealed class SigtermTests
{
    private const int Partitions = 4;
    private const int Intents = 30_000;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 10 * 60 * 1000)]
    [Trait("Category", "Fault")]
    public async Task On_SIGTERM_mid_run_the_gate_commits_and_exits_within_30_s_and_no_decision_is_lost_or_doubled()
    {
        var cancel = FaultRig.Cancel;
        await using var rig = await FaultRig.StartAsync("sigterm", Partitions);

        // Given a gate busy with a run
        var gate = rig.Gate("gate");
        var watch = rig.Watch();
        (bool Exited, TimeSpan Took, int? ExitCode) stop = (false, TimeSpan.Zero, null);
        (bool Exited, TimeSpan Took, int? ExitCode) secondStop = (false, TimeSpan.Zero, null);
        AuditResult? atStop = null;
        var decidedBeforeStop = 0;
        Exception? brokeOff = null;
        try
        {
            gate.Start();
            rig.Log($"gate RUNNING after {await gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel):g}");
            // (with the image's allocator: scripts/install-test-prerequisites.sh installs it)
            Assert.True(NativeAllocator.Installed() is not null, $"{NativeAllocator.Library} is not installed: run scripts/install-test-prerequisites.sh");
            Assert.Contains(File.ReadLines($"/proc/{gate.Current.Id}/maps"), l => l.Contains("libtcmalloc", StringComparison.Ordinal));
            SimulationResult sent;
            using (var producer = rig.Producer())
            {
                sent = await Task.Run(() => TrafficRun.Run(producer, new SimulationPlan { Register = 5_000, Intents = Intents, Seed = 4, RunId = "s" }, PolicyRules.Default, null, cancel), cancel);
            }
            rig.Log($"producer: {sent}");
            Assert.Equal(0, sent.Failures);
            await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, Intents / 4, TimeSpan.FromSeconds(120), "a quarter of the run decided", cancel,
                state: () => $"{watch.Distinct} decided", abort: () => gate.IsAlive ? null : "the gate exited by itself");

            // When it gets SIGTERM while it is still deciding
            decidedBeforeStop = watch.Distinct;
            stop = await gate.TerminateAsync(Grace);
            rig.Log($"SIGTERM with {decidedBeforeStop} intents decided: exited {stop.Exited} after {stop.Took.TotalSeconds:0.0} s with code {stop.ExitCode}");
            Assert.True(stop.Exited, $"the gate did not exit within {Grace.TotalSeconds:0} s of SIGTERM");

            // Then what it committed has no duplicate and is not less than what was seen before the stop
            atStop = await rig.AuditAsync(TimeSpan.FromSeconds(15));
            rig.Log($"audit of the stopped gate's output: {atStop}");

            // ... and after a restart every intent sent before the stop has exactly one decision
            gate.Start();
            rig.Log($"gate restarted, RUNNING after {await gate.WaitRunningAsync(TimeSpan.FromSeconds(240), cancel):g}");
            await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, Intents, TimeSpan.FromSeconds(120), "every intent decided after the restart", cancel,
                state: () => $"{watch.Distinct} decided, {watch.Records} records", abort: () => gate.IsAlive ? null : "the gate exited by itself");
            rig.Log($"all intents decided after the restart: {watch.Distinct} distinct, {watch.Records} records");
            secondStop = await gate.TerminateAsync(Grace);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Still audit and record the figures: they say how far the run got.
            brokeOff = await rig.BrokeOffAsync(e, gate);
        }

        var audit = await rig.AuditAsync(TimeSpan.FromSeconds(brokeOff is null ? 30 : 5));
        rig.Log($"final audit: {audit}");
        FaultFigures.Record(
            "sigterm",
            ("exit", stop.Took), ("exit_code", stop.ExitCode ?? -1), ("decided_before_stop", decidedBeforeStop),
            ("committed_at_stop", atStop?.Decisions ?? -1), ("duplicated_at_stop", atStop?.Duplicated ?? -1),
            ("intents", audit.Intents), ("missing", audit.Missing), ("duplicated", audit.Duplicated), ("partitions", Partitions));
        rig.LogAnomalies(watch, "s", Intents);
        if (brokeOff != null)
        {
            ExceptionDispatchInfo.Capture(brokeOff).Throw();
        }
        Assert.Equal(0, stop.ExitCode);
        Assert.True(stop.Took <= Grace);
        Assert.Equal(0, atStop!.Duplicated);
        Assert.True(atStop.Decisions >= decidedBeforeStop, $"{atStop.Decisions} committed decisions after the stop, {decidedBeforeStop} were seen before it");
        Assert.Equal(Intents, audit.Intents);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.Duplicated);
        Assert.True(secondStop.Exited && secondStop.ExitCode == 0, $"second SIGTERM: exited {secondStop.Exited}, code {secondStop.ExitCode}");
        rig.Passed();
    }
}
