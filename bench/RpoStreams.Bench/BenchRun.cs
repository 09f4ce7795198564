using System.Diagnostics;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.DevKafka;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Bench;

/// <summary>
/// <c>rpo-bench</c>: the embedded broker in this process, the gate's topology in a Streamiz KafkaStream
/// configured as the service (in a child process by default), and a Confluent.Kafka ceiling on the same
/// data. Phases: (1) the gate starts on an empty state, the register is produced and applied (its
/// changelogs counted with read_committed); (2) the gate stops, warm-up and measured intents are
/// preloaded; (3) the gate starts again on its state and drains them — timed from the warm-up's last
/// decision to the last decision; (4) intents offered at a fixed rate for latency; (5) the gate stops and
/// the ceiling decides the same preloaded intents; (6) the state dir is wiped and the gate restores from
/// its changelogs. Nothing asserts a time: figures are printed beside their targets.
/// </summary>
internal sealed class BenchRun
{
    public const string ApplicationId = "rpo-bench";

    private readonly BenchPlan plan;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <summary>Gate stops that timed out and were killed (<see cref="Stop"/>).</summary>
    private int stopsKilled;

    public BenchRun(BenchPlan plan)
    {
        this.plan = plan;
    }

    private void Say(string message) => Console.Error.WriteLine(FormattableString.Invariant($"rpo-bench [{clock.Elapsed.TotalSeconds,6:0.0}s] {message}"));

    public BenchResult Run()
    {
        var root = Directory.CreateTempSubdirectory("rpo-bench-").FullName;
        var stateDir = Path.Combine(root, "state");
        try
        {
            return Run(stateDir);
        }
        finally
        {
            TryDelete(root);
        }
    }

    private BenchResult Run(string stateDir)
    {
        var p = plan.Partitions;
        using var kafka = EmbeddedKafka.Start();
        var bootstrap = kafka.BootstrapServers;
        // One metadata round trip first: without it the embedded broker's CreateTopics sometimes waits about 5 s for its first metadata.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build())
        {
            admin.GetMetadata(TimeSpan.FromSeconds(10));
        }
        kafka.CreateTopics([.. GateTopology.AllTopics(ApplicationId, p), (CeilingLoop.ScratchTopic, p), (CeilingLoop.IntentsTopic, p),
            (DurableSubjects.IntentsTopic, p), (DurableSubjects.ChangelogTopic, p)]);
        Say($"embedded broker at {bootstrap}, {p} partitions; gate {(plan.InProcess ? "in this process" : "in a child process")}, exactly-once, RocksDB state in {stateDir}"
            + $"; Streams:SessionTimeoutMs {GateWorker.BenchSessionTimeoutMs}, {(plan.DevelopmentBroker ? "the development broker's at-least-once path" : "Kafka's exactly-once path")}"
            + (plan.MockCompensation ? $"; gate consumers with fetch.wait.max.ms {GateWorker.CompensatedFetchWaitMaxMs} (embedded-broker compensation)" : "; gate clients exactly as configured"));

        var serdes = RecordSerdes.Local();
        var rules = PolicyRules.Default;
        var hasher = new SubjectHasher(GateWorker.HashSecret);
        var data = new BenchData(serdes, rules, hasher, SystemClock.Instance.GetCurrentInstant());
        var result = new BenchResult { Plan = plan };
        // Register updates and consents both land in the subject-state changelog, one record each.
        var registerChangelog = InternalTopics.Changelog(ApplicationId, StoreNames.Subjects);
        List<(string Key, byte[] Value, string IntentId)> fed;
        long gateDrainDecided;

        using (var gate = NewGate(bootstrap, stateDir))
        {
            // (1) An empty gate, then the register through the gate's own topology, a chunk at a time.
            var (running, restored, _) = gate.Start(TimeSpan.FromSeconds(60));
            if (double.IsNaN(restored))
            {
                throw new TimeoutException("the gate did not start within 60 s");
            }
            Thread.Sleep(300);
            var idle = gate.Sample();
            Say(FormattableString.Invariant($"gate up (RUNNING {running:0.00}s, tasks ready {restored:0.00}s), idle RSS {Mb(idle.RssBytes):0} MB; loading a register of up to {plan.Register:N0} subjects within {plan.RegisterBox.TotalSeconds:0}s"));
            var loadSeconds = LoadRegister(data, bootstrap, registerChangelog);
            Thread.Sleep(200);
            var loaded = gate.Sample();
            var disk = DirSize(stateDir);
            Say(FormattableString.Invariant($"register applied: {data.Registered:N0} subjects + {data.Consents:N0} consents in {loadSeconds:0.0}s ({data.Registered / loadSeconds:N0}/s); RSS {Mb(loaded.RssBytes):0} MB, RocksDB {Mb(disk):0} MB"));
            result = result with
            {
                Registered = data.Registered, RegisterLoadSeconds = loadSeconds,
                Idle = idle, Loaded = loaded, DiskLoaded = disk,
            };

            // (2) Latency at fixed offered rates on the loaded, warmed-up gate (its code compiled to its optimized tier,
            // as in a gate that has run a while): a low one first if asked, then --rate.
            WarmUp(gate, data, kafka, plan);
            if (plan.LowRate > 0)
            {
                var (low, lowInGate, _) = Latency(gate, data, kafka, 5, "bench-latency-low", plan.LowRate, plan.LowRateSeconds);
                result = result with { LowLatency = low, LowInGate = lowInGate };
            }
            var (latency, inGate, backlog) = Latency(gate, data, kafka, 4, "bench-latency", plan.Rate, plan.LatencySeconds, plan.LatencyDump);
            result = result with { Latency = latency, InGate = inGate, AfterLatency = gate.Sample(), LatencyBacklog = backlog };

            // (3) Warm-up and measured intents, serialized once (the ceiling gets the same bytes), fed with a bounded backlog; the timed drain.
            var generation = Stopwatch.StartNew();
            fed = data.Intents(2, "bench-warm", plan.Warmup);
            fed.AddRange(data.Intents(3, "bench-drain", plan.Intents));
            var generated = generation.Elapsed.TotalSeconds;
            var baseCount = gate.DecisionCount() + backlog;
            var total = baseCount + fed.Count;
            using var feeder = new IntentFeeder(bootstrap, TopicNames.Intents, fed, () => gate.DecisionCount() - baseCount, plan.Backlog).Start();
            Say(FormattableString.Invariant($"drain: {plan.Warmup:N0} warm-up + {plan.Intents:N0} measured intents (generated and serialized in {generated:0.0}s), fed keeping at most {plan.Backlog:N0} undecided"));
            var warmedUp = gate.WaitForDecisions(baseCount + plan.Warmup, plan.WarmupBox);
            if (!warmedUp && gate.DecisionCount() <= baseCount - backlog)
            {
                throw new TimeoutException($"the gate made no decision in {plan.WarmupBox.TotalSeconds:0}s ({feeder.Produced:N0} intents fed).\n{Positions(bootstrap)}");
            }
            // A profiler starts once the gate is draining and has its delay to attach before the timing starts, so that
            // what it records is the drain (an idle gate polls in a way a busy one does not).
            using var hook = DrainHook.Start(plan.DuringDrain, gate.ProcessId, plan.HookDelaySeconds, Say);
            var machineStart = Machine.Read();
            var benchStart = BenchCpu();
            var startSample = gate.Sample();
            var startCount = gate.DecisionCount();
            Say(FormattableString.Invariant($"warm-up {(warmedUp ? "over" : $"cut short by its {plan.WarmupBox.TotalSeconds:0}s box")} at {startCount - baseCount:N0} drain decisions; timing up to {total - startCount:N0} more, at most {plan.DrainBox.TotalSeconds:0}s"));
            var box = Stopwatch.StartNew();
            var lastCpu = startSample.CpuSeconds;
            var lastCount = startCount;
            var lastAt = box.Elapsed;
            var step = TimeSpan.FromSeconds(Math.Min(5, Math.Max(1, plan.DrainBox.TotalSeconds / 4)));
            while (!gate.WaitForDecisions(total, Min(step, plan.DrainBox - box.Elapsed)) && box.Elapsed < plan.DrainBox)
            {
                feeder.Check();
                var sample = gate.Sample();
                var now = gate.DecisionCount();
                var dt = (box.Elapsed - lastAt).TotalSeconds;
                Say(FormattableString.Invariant($"  drain: {now - startCount:N0} ({(now - lastCount) / dt:N0}/s, gate CPU {(sample.CpuSeconds - lastCpu) / dt:0.00} cores, {Machine.Describe()})"));
                (lastCpu, lastCount, lastAt) = (sample.CpuSeconds, now, box.Elapsed);
            }
            var endSample = gate.Sample();
            var endCount = Math.Min(gate.DecisionCount(), total);
            var machineEnd = Machine.Read();
            var benchEnd = BenchCpu();
            hook?.Stop();
            var seconds = gate.SecondsBetween(startCount, endCount);
            var measured = endCount - startCount;
            gateDrainDecided = endCount - baseCount;
            var diskDrained = DirSize(stateDir);
            Say(FormattableString.Invariant($"drain: {measured:N0} decisions in {seconds:0.00}s = {measured / seconds:N0}/s{(endCount < total ? $" (time box: {total - endCount:N0} intents left undecided)" : "")}; RSS {Mb(endSample.RssBytes):0} MB"));
            result = result with
            {
                DrainSeconds = seconds, DrainMeasured = measured, DrainWarmup = startCount - baseCount, WarmupComplete = warmedUp,
                DrainComplete = endCount >= total, DrainStart = startSample, DrainEnd = endSample, DrainStartCount = startCount, DrainEndCount = endCount,
                DiskDrained = diskDrained, BenchCpuCores = (benchEnd - benchStart) / Math.Max(seconds, 1e-9),
                MachineBusyCores = Machine.BusyCores(machineStart is { } a ? (a.Busy, a.Total) : null, machineEnd is { } b ? (b.Busy, b.Total) : null),
            };
            feeder.Dispose();
            result = result with { StopSeconds = Stop(gate) };
        }

        // (4) The ceiling on the same intents the gate drained (the same bytes, in the same order, fed the same way), the gate stopped.
        var ceilingItems = fed.GetRange(0, (int)Math.Min(fed.Count, gateDrainDecided));
        Say($"ceiling: Confluent.Kafka consume → decide → produce (transactional) over the same {ceilingItems.Count:N0} intents the gate drained");
        var ceilingLoop = new CeilingLoop(bootstrap, serdes, rules, hasher, data, plan.MockCompensation);
        CeilingResult ceiling;
        using (var feeder = new IntentFeeder(bootstrap, CeilingLoop.IntentsTopic, ceilingItems, () => ceilingLoop.Decided, plan.Backlog).Start())
        {
            ceiling = ceilingLoop.Run(CeilingLoop.IntentsTopic, ceilingItems.Count, Math.Min(plan.Warmup, ceilingItems.Count / 2), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(Math.Max(120, ceilingItems.Count / 1000.0)));
            feeder.Check();
        }
        Say(FormattableString.Invariant($"ceiling: {ceiling.Measured:N0} decisions in {ceiling.MeasuredSeconds:0.00}s = {ceiling.PerSecond:N0}/s"));
        result = result with { Ceiling = ceiling };
        fed.Clear();

        // (4a) The same with the subject state durable, as the contract makes any gate keep it (DurableSubjects).
        var loadStarted = Stopwatch.StartNew();
        using (var durable = new DurableSubjects(Path.Combine(Path.GetDirectoryName(stateDir)!, "ceiling-state"), serdes, data))
        {
            Say(FormattableString.Invariant($"durable-state ceiling: the register loaded into RocksDB in {loadStarted.Elapsed.TotalSeconds:0.0}s; the same intents, each subject's state read, kept and sent to a changelog"));
            var durableLoop = new CeilingLoop(bootstrap, serdes, rules, hasher, data, plan.MockCompensation, durable);
            using var feeder = new IntentFeeder(bootstrap, DurableSubjects.IntentsTopic, ceilingItems, () => durableLoop.Decided, plan.Backlog).Start();
            var durableCeiling = durableLoop.Run(DurableSubjects.IntentsTopic, ceilingItems.Count, Math.Min(plan.Warmup, ceilingItems.Count / 2), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(Math.Max(120, ceilingItems.Count / 1000.0)));
            feeder.Check();
            Say(FormattableString.Invariant($"durable-state ceiling: {durableCeiling.Measured:N0} decisions in {durableCeiling.MeasuredSeconds:0.00}s = {durableCeiling.PerSecond:N0}/s"));
            result = result with { DurableCeiling = durableCeiling };
        }

        // (4b) Streamiz's floor on the same broker, the gate still stopped: what one record in and two out costs with no state.
        if (plan.FloorRecords > 0)
        {
            Say($"floor: Streamiz source → map → two sinks, no state, the gate's stream settings, {plan.FloorRecords:N0} records");
            var floor = StreamizFloor.Measure(kafka, plan.FloorRecords, p, outputs: 2);
            Say($"floor: {floor}");
            result = result with { Floor = floor };
        }

        // (5) Restore from the changelogs into a wiped state dir.
        var changelogs = GateTopology.AllTopics(ApplicationId, p).Select(t => t.Topic).Where(t => t.EndsWith("-changelog", StringComparison.Ordinal)).ToList();
        var changelogMarks = Watermarks(bootstrap, changelogs).Values;
        var changelogOffsets = changelogMarks.Sum(w => w.High.Value);
        var retained = changelogMarks.Sum(w => w.High.Value - w.Low.Value);
        // What the gate restores from: the changelogs and the global store's topic (the consultations). The time one plain
        // consumer takes to read them is the broker's pace, beside which the gate's restore rate is read.
        List<string> restoredFrom = [.. changelogs, TopicNames.RegisterConsultations];
        long held;
        double readSeconds;
        using (var counter = new CommittedCounter(bootstrap, restoredFrom))
        {
            var reading = Stopwatch.StartNew();
            held = counter.ReadToEnd(TimeSpan.FromMinutes(2));
            readSeconds = reading.Elapsed.TotalSeconds;
        }
        TryDelete(stateDir);
        if (plan.MockCompensation && !plan.DevelopmentBroker)
        {
            SkipReadInputs(kafka, bootstrap, p, restoredFrom);
        }
        Say(FormattableString.Invariant($"restore: state dir wiped; the changelogs hold {changelogOffsets:N0} offsets, {retained:N0} still retained by the embedded broker, {held:N0} of them records (one plain consumer read them at {BenchResult.PerSecond(held, readSeconds):N0}/s); watching at most {plan.RestoreTimeout.TotalSeconds:0}s"));
        using (var gate = NewGate(bootstrap, stateDir))
        {
            var (running, restored, reported) = gate.Start(plan.RestoreTimeout);
            var progress = gate.Progress();
            var sample = gate.Sample();
            var disk = DirSize(stateDir);
            Say(FormattableString.Invariant($"restore: RUNNING at {running:0.00}s, every task restored at {restored:0.00}s (Streamiz, from partition assignment: {reported} ms); {progress.Records:N0} records ({progress.RegisterRecords:N0} register) of {held:N0} held, {progress.TargetOffsets:N0} offsets targeted, at {progress.Rate:N0}/s; RSS {Mb(sample.RssBytes):0} MB"));
            Stop(gate);
            result = result with
            {
                RestoreRunning = running, RestoreRestored = restored, RestoreStreamizMs = reported, RestoreProgress = progress,
                ChangelogOffsets = changelogOffsets, ChangelogRetained = retained, ChangelogRecordsHeld = held, ChangelogReadSeconds = readSeconds,
                Restored = sample, DiskRestored = disk,
            };
        }
        return result with { TotalSeconds = clock.Elapsed.TotalSeconds, StopsKilled = stopsKilled };
    }

    /// <summary>
    /// Embedded-broker compensation before the restore: the broker does not keep offsets committed in a transaction, so
    /// the restarted gate would read every input topic again from its oldest record while it restores (and answer every
    /// intent again from its state). Kafka keeps them, and the stopped gate had read everything: every topic of the gate
    /// but those it restores from is deleted up to each partition's end, where it would have resumed (its outputs too,
    /// which it does not read on Kafka's path).
    /// </summary>
    private static void SkipReadInputs(EmbeddedKafka kafka, string bootstrap, int partitions, IReadOnlyCollection<string> restoredFrom)
    {
        var others = GateTopology.AllTopics(ApplicationId, partitions).Select(t => t.Topic).Except(restoredFrom);
        foreach (var (tp, marks) in Watermarks(bootstrap, others))
        {
            if (marks.High.Value > 0)
            {
                kafka.DeleteRecords(tp.Topic, tp.Partition.Value, marks.High.Value);
            }
        }
    }

    /// <summary>Stops a gate; one that had to be killed is said and counted.</summary>
    private double Stop(IGateHandle gate)
    {
        var seconds = gate.Stop();
        if (double.IsNaN(seconds))
        {
            stopsKilled++;
            Say(FormattableString.Invariant($"WARNING: the gate did not stop within {ChildProcessGate.StopTimeout.TotalSeconds:0} s and was killed (counted under checks)"));
        }
        return seconds;
    }

    /// <summary>
    /// Produces the register a chunk at a time and waits until the gate has applied it; returns the seconds it took.
    /// The counting consumer is closed on return: left open, it would keep fetching the changelog in the background
    /// through the measured phases (see <see cref="LogTrimmer"/> for what each fetch costs the embedded broker).
    /// </summary>
    private double LoadRegister(BenchData data, string bootstrap, string registerChangelog)
    {
        using var applied = new CommittedCounter(bootstrap, [registerChangelog]);
        var load = Stopwatch.StartNew();
        using (var loader = BenchData.Loader(bootstrap))
        {
            while (data.Registered < plan.Register && load.Elapsed < plan.RegisterBox)
            {
                data.ProduceRegister(loader, Math.Min(plan.RegisterChunk, plan.Register - data.Registered));
                loader.Flush(TimeSpan.FromSeconds(120));
                if (BenchData.Failures > 0)
                {
                    throw new InvalidOperationException($"{BenchData.Failures} register records could not be delivered to the embedded broker");
                }
                // Keep at most one chunk in flight: the box then bounds what the gate has to apply, and the embedded broker keeps it all.
                while (applied.Count(registerChangelog) < data.Registered - plan.RegisterChunk && load.Elapsed < plan.RegisterBox)
                {
                    applied.Advance(TimeSpan.FromMilliseconds(200));
                }
                Say(FormattableString.Invariant($"  register: {data.Registered:N0} produced, {applied.Count(registerChangelog):N0} applied ({Machine.Describe()})"));
            }
        }
        var deadline = Stopwatch.StartNew();
        while (applied.Count(registerChangelog) < data.Registered + data.Consents && deadline.Elapsed < TimeSpan.FromSeconds(Math.Max(60, plan.RegisterChunk / 200.0)))
        {
            applied.Advance(TimeSpan.FromMilliseconds(200));
        }
        if (applied.Count(registerChangelog) < data.Registered)
        {
            throw new TimeoutException($"the gate applied {applied.Count(registerChangelog):N0} of {data.Registered:N0} register updates");
        }
        return load.Elapsed.TotalSeconds;
    }

    /// <summary>The JIT's share of a paced warm-up second under which the gate's code counts as compiled.</summary>
    private const double JitSettled = 0.01;

    /// <summary>
    /// Decides <see cref="BenchPlan.Warmup"/> intents as fast as the gate goes, then offers intents at
    /// <see cref="BenchPlan.Rate"/>, a second at a time, until the gate's JIT spent under <see cref="JitSettled"/>
    /// of a second compiling, or no second can start within <see cref="BenchPlan.WarmupBox"/>. Tiered compilation
    /// recompiles hot code in the background for seconds after it first runs, and a gate that has run a while is
    /// done with it: measured right after a fast warm-up, the JIT took 1.5 s of CPU in the next 5 s at 10,000/s.
    /// </summary>
    private void WarmUp(IGateHandle gate, BenchData data, EmbeddedKafka kafka, BenchPlan plan)
    {
        var clock = Stopwatch.StartNew();
        var first = gate.DecisionCount();
        var intents = data.Intents(6, "bench-latency-warm", plan.Warmup);
        using (var feeder = new IntentFeeder(kafka.BootstrapServers, TopicNames.Intents, intents, () => gate.DecisionCount() - first, plan.Backlog).Start())
        {
            gate.WaitForDecisions(first + intents.Count, plan.WarmupBox);
        }
        var seconds = 0;
        var jitShare = double.NaN;
        while (clock.Elapsed < plan.WarmupBox)
        {
            // Other subjects every second, so that the frequency cap does not turn the later seconds into repeats.
            var (run, jit) = ProbeRun(gate, kafka, data.Intents(100 + seconds, $"bench-latency-warm{seconds}", (long)Math.Ceiling(plan.Rate)), plan.Rate, 0);
            jitShare = jit / run.SendSeconds;
            seconds++;
            if (jitShare < JitSettled)
            {
                break;
            }
        }
        var settled = jitShare < JitSettled ? "settled" : FormattableString.Invariant($"not settled within the {plan.WarmupBox.TotalSeconds:0}s box");
        Say(FormattableString.Invariant($"warm-up before the latency runs: {gate.DecisionCount() - first:N0} decisions in {clock.Elapsed.TotalSeconds:0.0}s, then {seconds} paced second(s) at {plan.Rate:N0}/s; JIT {jitShare:P1} of the last, {settled} (not counted)"));
    }

    /// <summary>
    /// A latency probe that, with the embedded-broker compensation, deletes what it has seen decided and read as it
    /// goes (<see cref="LogTrimmer"/>); on the development broker's path the gate reads the decisions topic itself, so
    /// that one is left whole.
    /// </summary>
    private LatencyProbe Probe(EmbeddedKafka kafka) =>
        !plan.MockCompensation ? new(kafka.BootstrapServers) :
        new(kafka.BootstrapServers, new LogTrimmer(kafka, TopicNames.Intents, plan.Partitions),
            plan.DevelopmentBroker ? null : new LogTrimmer(kafka, TopicNames.Decisions, plan.Partitions));

    /// <summary>One paced run of <see cref="Probe"/>, and the seconds the gate's JIT spent compiling meanwhile.</summary>
    private (LatencyResult Result, double JitSeconds) ProbeRun(IGateHandle gate, EmbeddedKafka kafka, List<(string Key, byte[] Value, string IntentId)> intents, double rate, double exclude, string? dump = null)
    {
        var jitBefore = gate.Sample().JitSeconds;
        var result = Probe(kafka).Run(intents, rate, exclude, plan.LatencyAnswerWait, dump);
        return (result, gate.Sample().JitSeconds - jitBefore);
    }

    /// <summary>One latency run; returns its result, the gate's own latencies, and the intents still queued in the gate after the wait.</summary>
    private (LatencyResult Result, LatencyStats InGate, long Backlog) Latency(IGateHandle gate, BenchData data, EmbeddedKafka kafka, int seed, string runId, double rate, double seconds, string? dump = null)
    {
        var count = (long)Math.Round(rate * seconds);
        var offered = data.Intents(seed, runId, count);
        var before = gate.DecisionCount();
        var exclude = Math.Min(seconds / 4, 5);
        Say(FormattableString.Invariant($"latency: offering {count:N0} intents at {rate:N0}/s for {seconds:0.#}s (first {exclude:0.#}s excluded)"));
        var (latency, jit) = ProbeRun(gate, kafka, offered, rate, exclude, dump);
        var jitMs = jit * 1000;
        var inGate = gate.LatenciesAfter(before + latency.Excluded);
        var backlog = Math.Max(0, before + count - gate.DecisionCount());
        Say(FormattableString.Invariant($"latency at {rate:N0}/s: end to end {latency.EndToEnd}; in-gate {inGate}; gate JIT {jitMs:N0} ms{(backlog > 0 ? $"; {backlog:N0} still queued in the gate" : "")}"));
        return (latency, inGate, backlog);
    }

    /// <summary>Where the gate's consumer group stands on every topic it reads, against the embedded broker's log start and end.</summary>
    private static string Positions(string bootstrap)
    {
        var sb = new System.Text.StringBuilder();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = ApplicationId })
            .SetLogHandler((_, _) => { }).Build();
        foreach (var topic in new[] { TopicNames.Intents, InternalTopics.Repartition(ApplicationId, RepartitionNames.SubjectEvents), TopicNames.Decisions })
        {
            var partitions = TopicPartitions.Of(consumer, topic);
            var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
            foreach (var tp in partitions)
            {
                var w = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                sb.AppendLine(FormattableString.Invariant($"  {topic}[{tp.Partition.Value}]: log {w.Low.Value}..{w.High.Value}, gate committed {committed.GetValueOrDefault(tp.Partition.Value, -1)}"));
            }
        }
        return sb.ToString();
    }

    /// <summary>CPU seconds of the bench process: the embedded broker, the feeders and the probes.</summary>
    private static double BenchCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Records the embedded broker still keeps for a topic (high watermark − log start, summed over partitions).</summary>
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero) : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    private IGateHandle NewGate(string bootstrap, string stateDir) => plan.InProcess
        ? new InProcessGate(bootstrap, ApplicationId, plan.Partitions, stateDir, plan.MockCompensation, plan.DevelopmentBroker)
        : new ChildProcessGate(bootstrap, ApplicationId, plan.Partitions, stateDir, plan.ServerGc, plan.MockCompensation, plan.DevelopmentBroker);

    /// <summary>Each partition's first and next offset (records, and transaction markers on transactional topics), for some topics, through one consumer.</summary>
    private static Dictionary<TopicPartition, WatermarkOffsets> Watermarks(string bootstrap, IEnumerable<string> topics)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "rpo-bench-offsets" })
            .SetLogHandler((_, _) => { }).Build();
        return topics.SelectMany(t => TopicPartitions.Of(consumer, t)).ToDictionary(tp => tp, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)));
    }

    public static long DirSize(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    public static double Mb(long bytes) => bytes / 1048576.0;

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
