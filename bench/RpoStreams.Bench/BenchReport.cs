using System.Globalization;
using System.Text;

namespace RpoStreams.Bench;

/// <summary>The table of figures with their targets, the notes saying how each was measured, and the summary line.</summary>
internal static class BenchReport
{
    // This step's targets (docs/performance.md): the quick run has the throughput, ratio and latency ones, the full run
    // throughput and CPU; the long-run goal beyond them is 50,000/s at 0.8 of the ceiling with a p99 of 20 ms.
    private static double TargetDecisionsPerSecond(BenchPlan p) => p.Quick ? 30_000 : 25_000;
    public const double TargetCeilingRatio = 0.5;
    public const double TargetP99Ms = 50;
    public const double TargetCpuMicrosPerDecision = 40;
    public const double TargetRssMbPerMillion = 150;
    public const double TargetRestore10MSeconds = 120;

    public static string Table(BenchResult r)
    {
        var p = r.Plan;
        var rows = new List<string[]>();
        void Section(string name) => rows.Add([name]);
        void Row(string figure, string value, string target = "", bool? meets = null) =>
            rows.Add(["  " + figure, value, target, meets is null ? "" : meets.Value ? "yes" : "NO"]);

        Section(FormattableString.Invariant($"throughput: drain of a fed backlog of intents, register of {r.Registered:N0} subjects{(p.Quick ? " (quick: time-boxed)" : "")}"));
        Row("gate decisions/s", F0(r.DecisionsPerSecond), FormattableString.Invariant($"≥ {TargetDecisionsPerSecond(p):N0}"), r.DecisionsPerSecond >= TargetDecisionsPerSecond(p));
        Row("  native memory of the broker, ceilings and gate", Gate.Hosting.NativeAllocator.InThisProcess() + (Gate.Hosting.NativeAllocator.Installed() is null ? " (the image's tcmalloc is not installed)" : ""));
        Row("  decisions timed / warm-up excluded", $"{r.DrainMeasured:N0} / {r.DrainWarmup:N0}" + (r.WarmupComplete ? "" : " (warm-up cut short)"));
        if (r.Ceiling is { } c)
        {
            Row("ceiling decisions/s (Confluent.Kafka, EOS)", F0(c.PerSecond));
            Row("gate / ceiling", F2(r.CeilingRatio), p.Quick ? FormattableString.Invariant($"≥ {TargetCeilingRatio}") : "", p.Quick ? r.CeilingRatio >= TargetCeilingRatio : null);
            if (r.DurableCeiling is { } d)
            {
                Row("ceiling with durable subject state decisions/s", F0(d.PerSecond));
                Row("gate / durable-state ceiling", F2(r.DecisionsPerSecond / d.PerSecond));
                Row("durable-state ceiling / ceiling", F2(d.PerSecond / c.PerSecond));
            }
            if (r.Floor is { } f)
            {
                Row("Streamiz floor records/s (1 in, 2 out, no state)", F0(f.PerSecond));
                Row("floor / ceiling", F2(f.PerSecond / c.PerSecond));
                Row("floor CPU per record", FormattableString.Invariant($"{f.Micros:N0} µs"));
                // Now and then the floor's process stalls well under the two cores it otherwise keeps busy, and its rate with it.
                Row("floor CPU during its run", FormattableString.Invariant($"{f.Cores:0.00} cores{(f.Cores < 1 ? " (stalled: its rate understates the floor)" : "")}"));
            }
        }
        if (r.DrainStart is { } s0 && r.DrainEnd is { } s1)
        {
            var wall = r.DrainSeconds;
            var decisions = Math.Max(1, r.DrainEndCount - r.DrainStartCount);
            Row("gate CPU during the drain", FormattableString.Invariant($"{(s1.CpuSeconds - s0.CpuSeconds) / wall:0.00} cores"));
            var cpuMicros = (s1.CpuSeconds - s0.CpuSeconds) * 1e6 / decisions;
            Row("gate CPU per decision", FormattableString.Invariant($"{cpuMicros:N0} µs"), p.Quick ? "" : FormattableString.Invariant($"≤ {TargetCpuMicrosPerDecision} µs"), p.Quick ? null : cpuMicros <= TargetCpuMicrosPerDecision);
            Row("gate allocated per decision", FormattableString.Invariant($"{(s1.AllocatedBytes - s0.AllocatedBytes) / (double)decisions:N0} B"));
            Row("gate allocation rate", FormattableString.Invariant($"{(s1.AllocatedBytes - s0.AllocatedBytes) / wall / 1048576.0:N0} MB/s"));
            Row("gate GCs gen0 / gen1 / gen2", $"{s1.Gen0 - s0.Gen0} / {s1.Gen1 - s0.Gen1} / {s1.Gen2 - s0.Gen2}");
            var paused = s1.GcPauseSeconds - s0.GcPauseSeconds;
            Row("gate paused for GC", FormattableString.Invariant($"{paused * 1000:N0} ms ({paused / wall:P0} of the drain)"));
            Row("bench process CPU (broker, feeder)", FormattableString.Invariant($"{r.BenchCpuCores:0.00} cores"));
            Row("whole machine busy during the drain", FormattableString.Invariant($"{r.MachineBusyCores:0.00} of {Environment.ProcessorCount} cores"));
        }
        Row("register applied by the gate", F0(r.Registered / Math.Max(r.RegisterLoadSeconds, 1e-9)) + "/s");

        void LatencySection(LatencyResult l, LatencyStats inGate, double rate, double seconds, bool target)
        {
            Section(FormattableString.Invariant($"latency: {l.Sent:N0} intents offered at {rate:N0}/s for {seconds:0.#}s, first {Math.Min(seconds / 4, 5):0.#}s excluded"));
            Row("offered rate", F0(l.OfferedPerSecond) + "/s");
            Row("answered rate", F0(l.ReceivedPerSecond) + "/s" + (l.Complete ? "" : FormattableString.Invariant($" ({l.Received:N0} of {l.Sent:N0})")));
            Row("end to end p50", l.EndToEnd.Text(0.5, l.EndToEnd.P50));
            Row("end to end p95", l.EndToEnd.Text(0.95, l.EndToEnd.P95));
            if (target)
            {
                Row("end to end p99", l.EndToEnd.Text(0.99, l.EndToEnd.P99), FormattableString.Invariant($"≤ {TargetP99Ms} ms"), l.EndToEnd.P99 <= TargetP99Ms);
            }
            else
            {
                Row("end to end p99", l.EndToEnd.Text(0.99, l.EndToEnd.P99));
            }
            Row("end to end max", l.EndToEnd.Text(1.0, l.EndToEnd.Max));
            Row("in-gate p50 / p95 / p99", $"{F1(inGate.P50)} / {F1(inGate.P95)} / {F1(inGate.P99)} ms");
        }
        if (r.Latency is { } l)
        {
            LatencySection(l, r.InGate, p.Rate, p.LatencySeconds, target: true);
        }
        if (r.LowLatency is { } low)
        {
            LatencySection(low, r.LowInGate, p.LowRate, p.LowRateSeconds, target: false);
        }

        Section("memory and disk" + (p.InProcess ? " (gate in the bench process: broker included)" : " (gate process)"));
        if (r.Idle is { } idle && r.Loaded is { } loaded)
        {
            Row("RSS, idle gate with empty state", Mb(idle.RssBytes));
            Row(FormattableString.Invariant($"RSS, register of {r.Registered:N0} loaded"), Mb(loaded.RssBytes));
            Row("RSS added per million subjects", FormattableString.Invariant($"{r.MarginalRssMbPerMillion:N0} MB"), FormattableString.Invariant($"≤ {TargetRssMbPerMillion} MB"), r.MarginalRssMbPerMillion <= TargetRssMbPerMillion);
            Row("RSS / millions of subjects (baseline in)", FormattableString.Invariant($"{r.AbsoluteRssMbPerMillion:N0} MB"));
        }
        if (r.DrainEnd is { } drained)
        {
            Row("RSS after the drain", Mb(drained.RssBytes));
            Row("managed heap after the drain", Mb(drained.ManagedHeapBytes));
        }
        if (r.AfterLatency is { } al)
        {
            Row("RSS after the latency run", Mb(al.RssBytes));
        }
        Row("RocksDB on disk, register loaded", Mb(r.DiskLoaded));
        Row("RocksDB on disk per million subjects", FormattableString.Invariant($"{r.DiskLoaded / 1048576.0 * 1e6 / Math.Max(1, r.Registered):N0} MB"));
        Row("RocksDB on disk after the drain", Mb(r.DiskDrained));

        Section("restore: state dir wiped, gate started again" + (double.IsNaN(r.RestoreRestored) ? FormattableString.Invariant($" (stopped after {p.RestoreTimeout.TotalSeconds:0}s)") : ""));
        Row("changelog offsets written (records + markers)", F0(r.ChangelogOffsets));
        Row("changelog offsets the broker still keeps", F0(r.ChangelogRetained));
        if (r.RestoreProgress is { } rp)
        {
            Row("records restored (register store) / held", $"{rp.Records:N0} ({rp.RegisterRecords:N0}) / {r.ChangelogRecordsHeld:N0}");
        }
        Row("Streamiz state RUNNING after", S(r.RestoreRunning));
        Row("all tasks restored, from start", double.IsNaN(r.RestoreRestored) ? FormattableString.Invariant($"> {p.RestoreTimeout.TotalSeconds:0} s (timed out)") : S(r.RestoreRestored));
        Row("restore, from partition assignment", S(r.RestoreSeconds));
        Row("restore rate", F0(r.RestoreRecordsPerSecond) + " records/s");
        Row("the same records read by one plain consumer", F0(r.ChangelogReadPerSecond) + " records/s");
        Row("10,000,000-subject register at that rate", S(r.RestoreExtrapolated10M), FormattableString.Invariant($"≤ {TargetRestore10MSeconds} s"), r.RestoreExtrapolated10M <= TargetRestore10MSeconds);
        if (r.Restored is { } rs)
        {
            Row("RSS right after the restore", Mb(rs.RssBytes));
        }

        Section("checks");
        Row("drain finished within its time box", r.DrainComplete ? "yes" : FormattableString.Invariant($"no ({p.DrainBox.TotalSeconds:0}s box)"));
        Row("latency intents left unanswered", F0(r.LatencyBacklog));
        if (r.RestoreProgress is { } restore)
        {
            Row("changelog records held but not restored", F0(Math.Max(0, r.ChangelogRecordsHeld - restore.Records)));
        }
        if (r.Ceiling is { } plain && r.DurableCeiling is { } durable)
        {
            // The same intents over the same register: decided from RocksDB, they must come out as from the in-memory tables.
            Row("ALLOWED decisions, ceiling / durable-state ceiling", $"{plain.Allowed:N0} / {durable.Allowed:N0}" + (plain.Allowed == durable.Allowed ? "" : " (DIFFER)"));
        }
        Row(FormattableString.Invariant($"gate stops that timed out (killed after {ChildProcessGate.StopTimeout.TotalSeconds:0} s)"), r.StopsKilled.ToString(CultureInfo.InvariantCulture));
        Row("bench wall time", S(r.TotalSeconds));

        var cells = rows.Where(x => x.Length == 4).ToList();
        var header = new[] { "figure", "value", "target", "meets" };
        var widths = Enumerable.Range(0, 4).Select(i => Math.Max(header[i].Length, cells.Max(x => x[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(Line(header, widths));
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            sb.AppendLine(row.Length == 1 ? row[0] : Line(row, widths));
        }
        sb.AppendLine();
        foreach (var note in Notes(r))
        {
            sb.AppendLine(note);
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Notes(BenchResult r)
    {
        var p = r.Plan;
        yield return "How each figure is measured:";
        yield return "* order: the gate applies the register, answers the latency runs, then drains the intents; then the ceiling and the";
        yield return "  floor run with the gate stopped, then the gate restores into a wiped state dir.";
        yield return "* decisions/s: warm-up and measured intents, serialized once, are fed into calls.intents.v1 keeping a backlog of up to";
        yield return FormattableString.Invariant($"  {p.Backlog:N0} undecided intents, so the gate never waits for input (the embedded broker keeps only the newest 5 MB");
        yield return "  of each partition: a million intents cannot sit in it at once). Timing starts after the warm-up's decisions and ends";
        yield return "  at the last decision; each decision is stamped in the gate process as GateMetrics.DecisionObserved fires (made and";
        yield return "  forwarded, before its transaction commits). The ceiling gets the same bytes, in the same order, fed the same way.";
        yield return "* ceiling: one thread of Confluent.Kafka on the same broker and intents (a scratch copy of the topic): read_committed consumer, Avro decode (the same";
        yield return "  AvroSerDes as the gate), libphonenumber + HMAC subjectRef, in-memory register/consent/contact tables, the same";
        yield return "  CallPolicy.Decide, Avro encode, produce to a scratch topic in transactions with the offsets, committed every 100 ms as the";
        yield return "  gate's commit.interval.ms; run while the gate is stopped, warm-up excluded the same way.";
        yield return "* durable-state ceiling: the ceiling's loop with the subject state as the contract makes any gate keep it, without Streamiz: the";
        yield return "  state read from the gate's own RocksDB subject store (the register and consents loaded first), the decision";
        yield return "  and any contact kept in it, written back in one sorted batch per commit and sent to a changelog topic in the";
        yield return "  decision's transaction; the same intents, fed the same way. Neither ceiling keeps campaign tallies or audits attempts.";
        yield return "* floor (rpo-bench floor): Streamiz alone in a child process with the gate's stream settings and sinks, exactly-once, on the same";
        yield return "  broker after the ceiling: each record read is mapped to two sinks (a decision's Kafka records: the decision and its";
        yield return "  changelog record), no state and no domain work. The gate cannot beat it; its CPU is the child process's.";
        yield return "* warm-up before the latency runs: the drain's warm-up count as fast as the gate goes, then a second at a time at the";
        yield return "  offered rate until the gate's JIT spends under 1 % of a second compiling (tiered compilation goes on for seconds),";
        yield return "  within the warm-up box; the progress line says whether the JIT settled.";
        yield return "* end to end: from handing an intent to a producer (linger 5 ms, librdkafka's default) to its decision reaching a read_committed consumer of";
        yield return "  calls.decisions.v1, i.e. what a dialer waiting for its answer sees; p99-ms in the last line is this one. in-gate is the";
        yield return "  gate's own rpo_decision_latency_seconds (decidedAt − intent Kafka timestamp, ms resolution): it includes the";
        yield return "  subject-events hop of mis-keyed intents (the bench keys all of them well) but not the commit. When the gate cannot answer as fast as";
        yield return "  intents are offered, both measure a growing queue.";
        yield return "* RSS: VmRSS of the process running the gate" + (p.InProcess
            ? " (the bench process, which also holds the embedded broker's topics: not the gate's own)."
            : $", a child process (rpo-bench gate-worker) with {(p.ServerGc ? "Server GC, as the service" : "workstation GC")}.");
        yield return "  rss-mb-per-M-subjects in the last line = (RSS with the register loaded − RSS of the idle gate) × 10^6 / subjects.";
        yield return "* restore: the gate starts on a wiped state dir; 'from partition assignment' is Streamiz's own 'Restoration took' figure";
        yield return "  (every task restored and running; each stream thread reports its own, and the restore ends with the last).";
        yield return "  Streamiz 1.8.2 reports state RUNNING before restoration ends, so RUNNING is not it. 'held' counts the records";
        yield return "  (markers not) of what the broker keeps of the changelogs, read with read_committed before the gate starts.";
        yield return "  The 10-million figure is 10,000,000 register records at the measured restore rate (linear; the stores that grow with";
        yield return "  traffic, decisions and contacts, come on top). Restored here: what the embedded broker still keeps of every changelog";
        yield return "  (the newest 5 MB of each partition), so large runs restore part of their state; the rate is what is extrapolated.";
        yield return "* not checked here: exactly one decision per intent (rpo audit does that; the embedded broker drops old records).";
        yield return "* configuration: StreamingGate on a GateConfiguration as the service builds it (default policy, local Avro registry,";
        yield return "  RocksDB stores, Streams:Threads = processor count, commit.interval.ms 100), with Streams:SessionTimeoutMs " + GateWorker.BenchSessionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "  (the embedded broker ignores LeaveGroup: a restarted gate waits that long to rejoin; the service default is 10,000), on";
        yield return p.DevelopmentBroker
            ? "  the development broker's path (at-least-once, decisions checked against calls.decisions.v1), as the service runs on it."
            : "  Kafka's path (exactly-once, the plain Streamiz topology), as the service runs on a real cluster; --development-broker measures the other.";
        if (p.MockCompensation)
        {
            yield return "* embedded-broker compensation: librdkafka's mock cluster answers a Fetch only after fetch.wait.max.ms (a real broker";
            yield return $"  answers as soon as data is there), so the gate's consumers run with fetch.wait.max.ms {GateWorker.CompensatedFetchWaitMaxMs} instead of librdkafka's";
            yield return "  500 (each consume hop would cost 500 ms); the ceiling's consumer alike. --as-configured runs without it.";
            yield return "  The latency runs delete the intents they have seen decided and, but on the development broker's path, the decisions";
            yield return "  they have read (the broker walks a partition's batches from the oldest to find each fetch's position; Kafka uses an index).";
        }
        yield return FormattableString.Invariant($"* time boxes: the register is produced {p.RegisterChunk:N0} subjects at a time until {p.Register:N0} or {p.RegisterBox.TotalSeconds:0}s, and");
        yield return FormattableString.Invariant($"  every produced subject is applied before anything is timed; the drain is timed for at most {p.DrainBox.TotalSeconds:0}s and the ceiling then");
        yield return FormattableString.Invariant($"  decides the same intents the gate decided; answers are awaited {p.LatencyAnswerWait.TotalSeconds:0}s after the");
        yield return FormattableString.Invariant($"  last offered intent (unanswered ones count as lower bounds, shown '≥'); the restore is watched for {p.RestoreTimeout.TotalSeconds:0}s and its rate");
        yield return "  taken between the first and the last restored batch.";
        yield return "* the embedded broker runs in the bench process and shares the 2 cores with the gate and the ceiling alike; other";
        yield return "  processes on the machine show in 'whole machine busy'.";
    }

    /// <summary>The last line: <c>decisions/s: X  p99-ms: Y  ceiling-ratio: Z  rss-mb-per-M-subjects: W</c>.</summary>
    public static string Summary(BenchResult r) => string.Create(CultureInfo.InvariantCulture,
        $"decisions/s: {r.DecisionsPerSecond:0}  p99-ms: {r.Latency?.EndToEnd.P99 ?? double.NaN:0.0}  ceiling-ratio: {r.CeilingRatio:0.00}  rss-mb-per-M-subjects: {r.MarginalRssMbPerMillion:0}");

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : i == 1 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();

    private static string F0(double v) => double.IsNaN(v) ? "n/a" : v.ToString("N0", CultureInfo.InvariantCulture);

    private static string F1(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0", CultureInfo.InvariantCulture);

    private static string F2(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ms(double ms) => F1(ms) + " ms";

    private static string S(double seconds) => double.IsNaN(seconds) ? "n/a" : seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MB";
}
