using System.Globalization;
using System.Runtime.ExceptionServices;
using RpoStreams.Fault.Tests.Infrastructure;
using RpoStreams.Testing;
using RpoStreams.Policy;
using RpoStreams.Simulation;

namespace RpoStreams.Fault.Tests;

/// <summary>
/// Crash consistency under load: the gate (a separate process on its own state dir) is killed with SIGKILL
/// at random points while it works through a 50,000-intent run (the crash loop, scripts/chaos.sh and
/// CrashLoopTests, repeats such runs), restarted on the same state dir each time,
/// and afterwards every intent has exactly one decision.
/// </summary>
public sealed class SigkillUnderLoadTests
{
    private const int Intents = 50_000;
    private const int Kills = 5;

    /// <summary>
    /// Not 4: <c>rpo devkafka</c> (librdkafka's mock cluster) keeps at most 5 MiB per partition and silently
    /// drops the oldest records beyond that. 100,000 intents are about 12 MiB on calls.intents.v1 and 13 MiB on
    /// calls.decisions.v1; with 8 partitions every topic of a run stays well under 5 MiB a partition, so the
    /// audit reads every record and a restarted gate finds its changelogs whole.
    /// </summary>
    private const int Partitions = 8;

    /// <summary>
    /// Intents the producer may be ahead of the decisions. Keeps the unread part of the subject-events
    /// repartition topic (about 250 bytes a record) well under the broker's 5 MiB a partition, also while a
    /// killed gate is down and the input piles up.
    /// </summary>
    private const int MaxBacklog = 40_000;

    /// <summary>Decisions a restarted gate must make before it is killed again: every kill hits a gate at work.</summary>
    private const int MinProgressBeforeKill = 2_000;

    /// <summary>A gate that decides nothing for this long is stuck (a loaded machine makes it slow, not still).</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(150);

    [Fact(Timeout = 20 * 60 * 1000)]
    [Trait("Category", "Fault")]
    public async Task Gate_killed_with_SIGKILL_five_times_during_a_50k_run_decides_every_intent_exactly_once()
    {
        var cancel = FaultRig.Cancel;
        await using var rig = await FaultRig.StartAsync("sigkill", Partitions);
        var seed = Environment.GetEnvironmentVariable("FAULT_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        rig.Log($"seed {seed} (set FAULT_SEED to replay the same kill points)");

        // Given a running gate and a 50k-intent run flowing into it
        var gate = rig.Gate("gate");
        gate.Start();
        rig.Log($"gate RUNNING after {await gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel):g}");
        var watch = rig.Watch();
        using var stopProducing = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var production = Task.Run(() =>
        {
            using var producer = rig.Producer();
            var plan = new SimulationPlan { Register = 10_000, Intents = Intents, Seed = seed, RunId = "k" };
            return TrafficRun.Run(producer, plan, PolicyRules.Default, progress =>
            {
                // Flow control: the broker drops what it cannot hold, so the run waits for the gate.
                while (true)
                {
                    var decided = watch.Changed.Next;
                    if (progress.Phase != "intents" || progress.Done - watch.Distinct <= MaxBacklog || stopProducing.IsCancellationRequested)
                    {
                        break;
                    }
                    try
                    {
                        Signal.WaitAsync(decided, Stall, stopProducing.Token).GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }, stopProducing.Token);
        }, cancel);

        // When it is killed at random points spread over the run, and restarted on the same state dir each time
        var killPoints = Enumerable.Range(1, Kills)
            .Select(i => (int)(Intents * (i - 0.3 + 0.6 * random.NextDouble()) / (Kills + 1)))
            .ToList();
        rig.Log($"kill points (decided intents): {string.Join(", ", killPoints)}");
        var restarts = new List<TimeSpan>();
        var kills = 0;
        Exception? brokeOff = null;
        try
        {
            foreach (var point in killPoints)
            {
                var target = Math.Max(point, watch.Distinct + MinProgressBeforeKill);
                await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, target, Stall, $"kill {kills + 1}: {target} intents decided", cancel,
                    state: () => $"{watch.Distinct} decided, {watch.Records} decision records, producer {(production.IsCompleted ? "done" : "sending")}",
                    abort: () => !gate.IsAlive ? $"the gate exited by itself with {gate.Current.ExitCode}" : production.IsFaulted ? production.Exception!.GetBaseException().Message : null);
                await Task.Delay(random.Next(0, 400), cancel);
                var decidedAtKill = watch.Distinct;
                gate.Kill();
                kills++;
                rig.Log($"kill {kills}: SIGKILL pid {gate.Current.Id} after {gate.Current.Clock.Elapsed.TotalSeconds:0.0} s up, {decidedAtKill} intents decided");
                gate.Start();
                var running = await gate.WaitRunningAsync(TimeSpan.FromSeconds(240), cancel);
                restarts.Add(running);
                rig.Log($"restart {kills}: RUNNING {running.TotalSeconds:0.0} s after process start (rejoin + restore), {watch.Distinct} decided");
            }

            var sent = await production.WaitAsync(TimeSpan.FromMinutes(10), cancel);
            rig.Log($"producer: {sent}");
            Assert.Equal(0, sent.Failures);
            Assert.Equal(Intents, sent.Intents);

            // Then, once the gate has caught up and stopped, the audit finds exactly one decision per intent
            await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, Intents, Stall, "every intent decided", cancel,
                state: () => $"{watch.Distinct} decided, {watch.Records} decision records",
                abort: () => gate.IsAlive ? null : $"the gate exited by itself with {gate.Current.ExitCode}");
            rig.Log($"all intents decided: {watch.Distinct} distinct, {watch.Records} decision records; {watch.RepeatedCount()} intents with more than one record");
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Still audit and record the figures: they say how far the run got.
            brokeOff = await rig.BrokeOffAsync(e, gate, $" after {kills} kills");
        }
        finally
        {
            await stopProducing.CancelAsync();
            await production.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        var stop = await gate.TerminateAsync(TimeSpan.FromSeconds(30));
        rig.Log($"gate stopped with SIGTERM: exited {stop.Exited} in {stop.Took.TotalSeconds:0.0} s, code {stop.ExitCode}");
        var audit = await rig.AuditAsync(TimeSpan.FromSeconds(brokeOff is null ? 30 : 5));
        rig.Log($"audit: {audit} dead-lettered: {audit.DeadLettered}");
        FaultFigures.Record(
            "sigkill-under-load",
            ("kills", kills), ("intents", audit.Intents), ("missing", audit.Missing), ("duplicated", audit.Duplicated),
            ("decisions", audit.Decisions), ("partitions", Partitions), ("seed", seed),
            ("restart_max", restarts.Count > 0 ? restarts.Max() : TimeSpan.Zero),
            ("restart_mean", restarts.Count > 0 ? TimeSpan.FromTicks((long)restarts.Average(r => r.Ticks)) : TimeSpan.Zero),
            ("elapsed", rig.Elapsed));
        rig.LogAnomalies(watch, "k", Intents);

        if (brokeOff != null)
        {
            ExceptionDispatchInfo.Capture(brokeOff).Throw();
        }
        Assert.True(kills >= Kills, $"only {kills} kills");
        Assert.Equal(Intents, audit.Intents);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.Duplicated);
        Assert.True(stop.Exited, "the gate did not exit within 30 s of SIGTERM");
        rig.Passed();
    }
}
