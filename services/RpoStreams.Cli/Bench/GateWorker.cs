using Microsoft.Extensions.Configuration;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using NodaTime;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;

namespace RpoStreams.Cli.Bench;

/// <summary>
/// The gate under measurement: <see cref="GateTopology.Build"/> in a Streamiz <see cref="KafkaStream"/>
/// configured by <see cref="GateStreamConfig.Create"/> exactly as the service does it (exactly-once, the
/// default policy, Avro over the local registry, RocksDB stores in a state dir, one stream thread,
/// 100 ms commit interval), plus the bench's instruments: a stamp per decision (from
/// <see cref="GateMetrics.DecisionObserved"/>), the gate's own <c>rpo_decision_latency_seconds</c>
/// measurements (through a <see cref="MeterListener"/>), and the restoration signal.
/// </summary>
internal sealed class GateWorker : IDisposable
{
    /// <summary>Secret of subjectRef in every bench process (gate and ceiling hash alike).</summary>
    public const string HashSecret = "rpo-bench-hash-secret-not-for-production";

    private readonly GateMetrics metrics = new();
    private readonly MeterListener listener = new();
    private readonly object sync = new();
    private readonly List<long> stamps = new(1 << 16);
    private readonly List<double> latencies = new(1 << 16);
    private readonly RestorationWatcher restoration = new();
    private readonly TaskCompletionSource<double> running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<double> restored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch sinceStart = new();
    private KafkaStream? stream;
    private KafkaDeadLetterPublisher? deadLetters;
    private EmittedDecisionsView? emitted;
    private long restoredRecords;
    private long restoredRegister;
    private long restoreTarget;
    private long firstBatchTicks;
    private long lastBatchTicks;

    public GateWorker(string bootstrap, string applicationId, int partitions, string stateDir, bool mockCompensation, string reconcileOutputs = "Auto", int sessionTimeoutMs = BenchSessionTimeoutMs)
    {
        MockCompensation = mockCompensation;
        Config = new GateConfiguration
        {
            // --reconcile-outputs On/Auto: the gate as it runs on the development broker (at-least-once, published-decisions check); Off: as on Kafka.
            Kafka = new KafkaSettings { BootstrapServers = bootstrap, Partitions = partitions, DevelopmentBroker = reconcileOutputs != "Off" },
            Streams = new StreamsSettings
            {
                ApplicationId = applicationId,
                StateDir = stateDir,
                Guarantee = "ExactlyOnce",
                SessionTimeoutMs = sessionTimeoutMs,
            },
            Subjects = new SubjectSettings { HashSecret = HashSecret },
            Development = true,
        };
        // Streams tuning from the environment (Streams__CommitIntervalMs=500, Streams__Threads=2, ...), as the service reads it.
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Streams").Bind(Config.Streams);
        var problems = Config.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GateMetrics.MeterName && instrument.Name == "rpo_decision_latency_seconds")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (sync)
            {
                latencies.Add(value);
            }
        });
        listener.Start();
        metrics.DecisionObserved += d =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (sync)
            {
                stamps.Add(now);
            }
        };
        restoration.Restored += () => restored.TrySetResult(sinceStart.Elapsed.TotalSeconds);
    }

    public GateConfiguration Config { get; }

    /// <summary>
    /// One client setting that undoes an artifact of the embedded broker (librdkafka's mock cluster), applied
    /// on top of <see cref="GateStreamConfig.Create"/>: the mock answers every Fetch only when
    /// fetch.wait.max.ms has passed (a real broker answers as soon as data is there), so each consume hop
    /// would cost the librdkafka default 500 ms.
    /// </summary>
    public bool MockCompensation { get; }

    public const int CompensatedFetchWaitMaxMs = 10;

    /// <summary>
    /// Streams:SessionTimeoutMs of the bench's gate (the service's setting; its default is 10,000, its minimum
    /// 3,000): the mock ignores LeaveGroup, so a restarted gate waits that long for its predecessor to expire.
    /// </summary>
    public const int BenchSessionTimeoutMs = 3_000;

    /// <summary>Whether the gate runs as on the development broker (at-least-once, checking calls.decisions.v1) rather than as on Kafka.</summary>
    public bool ReconcileOutputs => Config.Kafka.DevelopmentBroker == true;

    /// <summary>Seconds from <see cref="StartAsync"/> to Streamiz state RUNNING (Streamiz 1.8.2 reports it before restoration ends).</summary>
    public Task<double> Running => running.Task;

    /// <summary>Seconds from <see cref="StartAsync"/> to the stream thread's "Restoration took ... for all tasks" (every task restored and RUNNING).</summary>
    public Task<double> Restored => restored.Task;

    /// <summary>Restoration time as Streamiz measured it (from partition assignment), in ms, or -1.</summary>
    public long StreamizRestorationMs => restoration.ReportedMs;

    public long DecisionCount => metrics.DecisionCount;

    /// <summary>Records restored from changelogs so far, of them the register store's, and the offsets the restore started out to cover.</summary>
    public RestoreProgress Progress => new(
        Interlocked.Read(ref restoredRecords), Interlocked.Read(ref restoredRegister), Interlocked.Read(ref restoreTarget),
        Interlocked.Read(ref firstBatchTicks) / (double)Stopwatch.Frequency, Interlocked.Read(ref lastBatchTicks) / (double)Stopwatch.Frequency);

    public async Task StartAsync()
    {
        var config = Config;
        var bootstrap = config.Kafka.BootstrapServers!;
        var producerConfig = new ProducerConfig { BootstrapServers = bootstrap, ClientId = config.Streams.ApplicationId + "-deadletters" };
        deadLetters = new KafkaDeadLetterPublisher(producerConfig, RecordSerdes.Local(), restoration.CreateLogger("deadletters"));
        // As GateService: a state dir left by an unclean stop is wiped; on the embedded broker outputs are reconciled.
        var exactlyOnce = config.Streams.ExactlyOnce && !ReconcileOutputs;
        CleanShutdownMarker.PrepareForStart(config.Streams.StateDir, config.Streams.ApplicationId, exactlyOnce, restoration.CreateLogger("marker"));
        if (ReconcileOutputs)
        {
            emitted = new EmittedDecisionsView(bootstrap, config.Kafka, config.Streams.ApplicationId, restoration.CreateLogger("emitted"));
            emitted.StartAndCatchUp(TimeSpan.FromMinutes(5));
        }
        var options = config.TopologyOptions(RecordSerdes.Local(), metrics, deadLetters, SystemClock.Instance, null, emitted, exactlyOnce);
        sinceStart.Start();
        var streamConfig = GateStreamConfig.Create(config, bootstrap, exactlyOnce, restoration);
        if (MockCompensation)
        {
            streamConfig.FetchWaitMaxMs = CompensatedFetchWaitMaxMs;
        }
        stream = new KafkaStream(GateTopology.Build(options), streamConfig);
        stream.OnRestoreStartEvent += (_, _, start, end) => Interlocked.Add(ref restoreTarget, Math.Max(0, end - Math.Max(0, start)));
        stream.OnRestoreBatchEvent += (_, store, _, n) =>
        {
            var ticks = sinceStart.ElapsedTicks;
            Interlocked.CompareExchange(ref firstBatchTicks, ticks, 0);
            Interlocked.Exchange(ref lastBatchTicks, ticks);
            Interlocked.Add(ref restoredRecords, n);
            if (store == StoreNames.Subjects)
            {
                Interlocked.Add(ref restoredRegister, n);
            }
        };
        stream.StateChanged += (_, now) =>
        {
            if (now == KafkaStream.State.RUNNING)
            {
                running.TrySetResult(sinceStart.Elapsed.TotalSeconds);
            }
            else if (now == KafkaStream.State.ERROR)
            {
                failed = true;
                var error = new InvalidOperationException("the gate stream went to ERROR");
                running.TrySetException(error);
                restored.TrySetException(error);
            }
        };
        await stream.StartAsync();
    }

    /// <summary>
    /// Starts and waits: returns seconds to Streamiz RUNNING and seconds to every task restored (NaN when
    /// restoration did not end within <paramref name="timeout"/>), both from the start call.
    /// </summary>
    public (double Running, double Restored, long StreamizRestorationMs) Start(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        // StartAsync restores global stores before it returns (with ReconcileOutputs, a view of every decision): bound it too.
        var starting = Task.Run(StartAsync);
        TimeSpan Left() => timeout - clock.Elapsed > TimeSpan.Zero ? timeout - clock.Elapsed : TimeSpan.Zero;
        if (!starting.Wait(Left()))
        {
            return (double.NaN, double.NaN, -1);
        }
        double up, done;
        try
        {
            up = Running.WaitAsync(Left()).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            return (double.NaN, double.NaN, -1);
        }
        try
        {
            done = Restored.WaitAsync(Left()).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            done = double.NaN;
        }
        return (up, done, StreamizRestorationMs);
    }

    /// <summary>Waits until at least <paramref name="count"/> decisions were made; false on timeout.</summary>
    public bool WaitForDecisions(long count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (metrics.DecisionCount < count)
        {
            if (clock.Elapsed > timeout || running.Task.IsFaulted)
            {
                return false;
            }
            Thread.Sleep(2);
        }
        return true;
    }

    /// <summary>Seconds between decision number <paramref name="from"/> and number <paramref name="to"/> (1-based, both made).</summary>
    public double SecondsBetween(long from, long to)
    {
        lock (sync)
        {
            var a = stamps[(int)Math.Max(0, from - 1)];
            var b = stamps[(int)Math.Min(stamps.Count, to) - 1];
            return Stopwatch.GetElapsedTime(a, b).TotalSeconds;
        }
    }

    /// <summary>The gate's own decision latencies (decidedAt − intent record timestamp) of decisions after the first <paramref name="skip"/>.</summary>
    public double[] LatenciesAfter(long skip)
    {
        lock (sync)
        {
            var from = (int)Math.Min(skip, latencies.Count);
            return latencies.GetRange(from, latencies.Count - from).ToArray();
        }
    }

    public static ProcessSample Sample()
    {
        using var self = Process.GetCurrentProcess();
        var info = GC.GetGCMemoryInfo();
        return new ProcessSample(
            ProcessSample.VmRss() ?? self.WorkingSet64,
            GC.GetTotalMemory(false),
            info.TotalCommittedBytes,
            self.TotalProcessorTime.TotalSeconds,
            GC.GetTotalAllocatedBytes(false),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    }

    private bool failed;

    public void Dispose()
    {
        if (stream != null)
        {
            stream.Dispose();
            stream = null;
            if (!failed)
            {
                CleanShutdownMarker.MarkClean(Config.Streams.StateDir, Config.Streams.ApplicationId);
            }
        }
        deadLetters?.Dispose();
        deadLetters = null;
        emitted?.Dispose();
        emitted = null;
        listener.Dispose();
        metrics.Dispose();
    }
}

/// <summary>
/// How far a restore has come: records restored (all stores; the register store's), offsets it set out to
/// cover, and the seconds (from the start call) of the first and the latest restored batch.
/// </summary>
internal sealed record RestoreProgress(long Records, long RegisterRecords, long TargetOffsets, double FirstBatch, double LastBatch)
{
    /// <summary>Records per second between the first and the latest batch.</summary>
    public double Rate => LastBatch > FirstBatch ? Records / (LastBatch - FirstBatch) : double.NaN;

    public string ToLine() => FormattableString.Invariant($"{Records} {RegisterRecords} {TargetOffsets} {FirstBatch:R} {LastBatch:R}");

    public static RestoreProgress Parse(string line)
    {
        var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new RestoreProgress(long.Parse(p[0], inv), long.Parse(p[1], inv), long.Parse(p[2], inv), double.Parse(p[3], inv), double.Parse(p[4], inv));
    }
}

/// <summary>A sample of the process running the gate.</summary>
internal sealed record ProcessSample(long RssBytes, long ManagedHeapBytes, long GcCommittedBytes, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public string ToLine() => FormattableString.Invariant($"{RssBytes} {ManagedHeapBytes} {GcCommittedBytes} {CpuSeconds:R} {AllocatedBytes} {Gen0} {Gen1} {Gen2}");

    public static ProcessSample Parse(string line)
    {
        var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new ProcessSample(long.Parse(p[0], inv), long.Parse(p[1], inv), long.Parse(p[2], inv), double.Parse(p[3], inv), long.Parse(p[4], inv), int.Parse(p[5], inv), int.Parse(p[6], inv), int.Parse(p[7], inv));
    }

    /// <summary>VmRSS of this process from /proc/self/status, in bytes (null off Linux).</summary>
    public static long? VmRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}

/// <summary>
/// The logger factory handed to Streamiz: silences Streamiz and librdkafka (everything is dropped) but
/// watches the stream thread's "Restoration took Nms for all tasks", which it logs once every task has
/// been restored from its changelogs and is RUNNING.
/// </summary>
internal sealed class RestorationWatcher : ILoggerFactory
{
    private long reportedMs = -1;

    public event Action? Restored;

    public long ReportedMs => Interlocked.Read(ref reportedMs);

    public ILogger CreateLogger(string categoryName) => new Watcher(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Saw(string message)
    {
        // "Restoration took 1234ms for all tasks 0-0,0-1,..."
        const string prefix = "Restoration took ";
        var start = message.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return;
        }
        var rest = message[(start + prefix.Length)..];
        var end = rest.IndexOf("ms", StringComparison.Ordinal);
        if (end > 0 && long.TryParse(rest[..end], System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            Interlocked.Exchange(ref reportedMs, ms);
        }
        Restored?.Invoke();
    }

    /// <summary>When RPO_BENCH_GATE_LOG names a file, every Streamiz and librdkafka message at Information or above goes there (diagnosis only).</summary>
    private static readonly StreamWriter? Diagnostic = Environment.GetEnvironmentVariable("RPO_BENCH_GATE_LOG") is { Length: > 0 } path
        ? new StreamWriter(path, append: true) { AutoFlush = true }
        : null;

    private sealed class Watcher(RestorationWatcher owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Information || (Diagnostic != null && logLevel > LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (Diagnostic != null)
            {
                lock (Diagnostic)
                {
                    Diagnostic.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {message} {exception?.Message}");
                }
            }
            if (logLevel == LogLevel.Information && message.Contains("Restoration took ", StringComparison.Ordinal))
            {
                owner.Saw(message);
            }
        }
    }
}
