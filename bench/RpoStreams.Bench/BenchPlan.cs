namespace RpoStreams.Bench;

/// <summary>What to measure and how much of it.</summary>
internal sealed record BenchPlan
{
    public bool Quick { get; init; }

    /// <summary>Subjects in the register.</summary>
    public long Register { get; init; }

    /// <summary>Intents in the measured drain (after the warm-up).</summary>
    public long Intents { get; init; }

    /// <summary>Intents decided before the drain is timed (JIT, caches, RocksDB block cache); excluded from every figure.</summary>
    public long Warmup { get; init; }

    /// <summary>Offered rate of the latency run, intents per second.</summary>
    public double Rate { get; init; }

    /// <summary>Length of the latency run.</summary>
    public double LatencySeconds { get; init; }

    public int Partitions { get; init; } = 4;

    /// <summary>Run the gate inside the bench process (its RSS then includes the broker's in-memory logs).</summary>
    public bool InProcess { get; init; }

    /// <summary>Server GC in the gate process, as the service runs (an ASP.NET Core app).</summary>
    public bool ServerGc { get; init; } = true;

    /// <summary>A command run while the gate drains, {pid} replaced by the gate's process id (dotnet-trace, dotnet-counters); stopped with SIGINT.</summary>
    public string? DuringDrain { get; init; }

    /// <summary>Seconds between starting <see cref="DuringDrain"/> (the warm-up over, the gate draining) and the start of the timed drain, so a tracer can attach.</summary>
    public double HookDelaySeconds { get; init; } = 1;

    /// <summary>How long the register may take to load: no new chunk of it is produced after this (the last chunk is still applied).</summary>
    public TimeSpan RegisterBox { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Subjects produced at a time while loading the register.</summary>
    public long RegisterChunk { get; init; } = 50_000;

    /// <summary>How long the timed drain may run; decisions are counted up to then.</summary>
    public TimeSpan DrainBox { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait for the warm-up decisions (and any queue the latency run left) before timing anyway.</summary>
    public TimeSpan WarmupBox { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long to wait for the answers of the latency run after the last intent was sent.</summary>
    public TimeSpan LatencyAnswerWait { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A second latency run at a rate the gate can sustain (0: none), before the one at <see cref="Rate"/>.</summary>
    public double LowRate { get; init; }

    public double LowRateSeconds { get; init; } = 10;

    /// <summary>A file for each intent of the latency run at <see cref="Rate"/>: when it was sent and its latency (null: none).</summary>
    public string? LatencyDump { get; init; }

    /// <summary>Most intents fed but not yet decided (the embedded broker keeps only the newest 5 MB of each partition).</summary>
    public long Backlog { get; init; } = 60_000;


    /// <summary>Whether the gate runs as on the development broker (at-least-once, published-decisions check) rather than as on Kafka.</summary>
    public bool DevelopmentBroker { get; init; }

    /// <summary>After the ceiling, Streamiz's floor (<see cref="StreamizFloor"/>, one record in and two out) on the same broker, this many records (0: none).</summary>
    public long FloorRecords { get; init; }

    /// <summary>fetch.wait.max.ms 10 on the gate's clients (see <see cref="GateWorker.MockCompensation"/>), the latency runs delete what they have read (<see cref="LogTrimmer"/>), and the restore starts where the stopped gate left its inputs.</summary>
    public bool MockCompensation { get; init; } = true;
}

/// <summary>Every figure of one run.</summary>
internal sealed record BenchResult
{
    public required BenchPlan Plan { get; init; }
    public long Registered { get; init; }
    public double RegisterLoadSeconds { get; init; }
    public ProcessSample? Idle { get; init; }
    public ProcessSample? Loaded { get; init; }
    public long DiskLoaded { get; init; }
    public double DrainSeconds { get; init; }
    public long DrainMeasured { get; init; }
    public long DrainWarmup { get; init; }
    public double MachineBusyCores { get; init; }
    public double StopSeconds { get; init; }

    /// <summary>Gate stops that did not end within <see cref="ChildProcessGate.StopTimeout"/> (the gate was killed), the drain's and the restore's.</summary>
    public int StopsKilled { get; init; }
    public ProcessSample? DrainStart { get; init; }
    public ProcessSample? DrainEnd { get; init; }
    public long DrainStartCount { get; init; }
    public long DrainEndCount { get; init; }
    public LatencyResult? LowLatency { get; init; }
    public LatencyStats LowInGate { get; init; } = LatencyStats.Empty;
    public long ChangelogRetained { get; init; }

    /// <summary>Records (markers not counted) in what the broker keeps of the changelogs, read with read_committed before the restore.</summary>
    public long ChangelogRecordsHeld { get; init; }

    /// <summary>Seconds one plain consumer (read_committed, the bench's own) took to read those records to the end.</summary>
    public double ChangelogReadSeconds { get; init; }
    public double BenchCpuCores { get; init; }
    public bool DrainComplete { get; init; }
    public long LatencyBacklog { get; init; }
    public bool WarmupComplete { get; init; } = true;
    public long DiskDrained { get; init; }
    public LatencyResult? Latency { get; init; }
    public LatencyStats InGate { get; init; } = LatencyStats.Empty;
    public ProcessSample? AfterLatency { get; init; }
    public CeilingResult? Ceiling { get; init; }

    /// <summary>The ceiling with the subject state in RocksDB and a changelog (<see cref="DurableSubjects"/>).</summary>
    public CeilingResult? DurableCeiling { get; init; }

    public FloorResult? Floor { get; init; }
    public double RestoreRunning { get; init; }
    public double RestoreRestored { get; init; }
    public long RestoreStreamizMs { get; init; }
    public long ChangelogOffsets { get; init; }
    public RestoreProgress? RestoreProgress { get; init; }
    public ProcessSample? Restored { get; init; }
    public long DiskRestored { get; init; }
    public double TotalSeconds { get; init; }

    public double DecisionsPerSecond => DrainSeconds > 0 ? DrainMeasured / DrainSeconds : double.NaN;

    /// <summary>Records per second at which one plain consumer read the changelog records held.</summary>
    public double ChangelogReadPerSecond => PerSecond(ChangelogRecordsHeld, ChangelogReadSeconds);

    public static double PerSecond(double count, double seconds) => seconds > 0 ? count / seconds : double.NaN;

    public double CeilingRatio => Ceiling is { } c && c.PerSecond > 0 ? DecisionsPerSecond / c.PerSecond : double.NaN;

    /// <summary>Resident memory the register adds, per million subjects: (RSS after loading − RSS of the idle gate) scaled.</summary>
    public double MarginalRssMbPerMillion => Idle is null || Loaded is null || Registered == 0
        ? double.NaN
        : (Loaded.RssBytes - Idle.RssBytes) / 1048576.0 * 1_000_000.0 / Registered;

    /// <summary>RSS of the loaded gate divided by millions of subjects (baseline included).</summary>
    public double AbsoluteRssMbPerMillion => Loaded is null || Registered == 0 ? double.NaN : Loaded.RssBytes / 1048576.0 * 1_000_000.0 / Registered;

    /// <summary>Seconds the restore itself took: Streamiz's own figure, from partition assignment to every task restored.</summary>
    public double RestoreSeconds => RestoreStreamizMs >= 0 && !double.IsNaN(RestoreRestored) ? RestoreStreamizMs / 1000.0 : double.NaN;

    /// <summary>Records restored per second (all stores), between the first and the last restored batch.</summary>
    public double RestoreRecordsPerSecond => RestoreProgress?.Rate ?? double.NaN;

/// <summary>
    /// Restore time of a 10-million-subject register: the register store's records at the measured rate
    /// (other stores excluded: they grow with traffic, not with the register).
    /// </summary>
    public double RestoreExtrapolated10M => RestoreRecordsPerSecond > 0 ? 10_000_000.0 / RestoreRecordsPerSecond : double.NaN;
}
