using Microsoft.Extensions.Configuration;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;

namespace RpoStreams.Bench;

/// <summary>
/// The gate under measurement: a <see cref="StreamingGate"/> built exactly as the service builds it (the
/// default policy, Avro over the local registry, RocksDB stores in a state dir, the service's stream
/// settings), plus the bench's instruments: a stamp per decision (from
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
    private readonly KafkaClientFactory clients;
    private StreamingGate? gate;
    private long restoredRecords;
    private long restoredRegister;
    private long restoreTarget;
    private long firstBatchTicks;
    private long lastBatchTicks;

    public GateWorker(string bootstrap, string applicationId, int partitions, string stateDir, bool mockCompensation, bool developmentBroker = false, int sessionTimeoutMs = BenchSessionTimeoutMs)
    {
        MockCompensation = mockCompensation;
        clients = new KafkaClientFactory(new KafkaSettings(), restoration);
        Config = new GateConfiguration
        {
            // --development-broker: the gate as it runs on the development broker (at-least-once, published-decisions check); else as on Kafka.
            Kafka = new KafkaSettings { BootstrapServers = bootstrap, Partitions = partitions, DevelopmentBroker = developmentBroker },
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
        restoration.Threads = Config.Streams.Threads;
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
    public bool DevelopmentBroker => Config.Kafka.DevelopmentBroker == true;

    /// <summary>Seconds from <see cref="StartAsync"/> to Streamiz state RUNNING (Streamiz 1.8.2 reports it before restoration ends).</summary>
    public Task<double> Running => running.Task;

    /// <summary>Seconds from <see cref="StartAsync"/> to the last stream thread's "Restoration took ... for all tasks" (every task of every thread restored and RUNNING).</summary>
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
        sinceStart.Start();
        // Built as the service builds it (StreamingGate): on Kafka's path, or with --development-broker on the development broker's.
        gate = new StreamingGate(
            config, config.Kafka.BootstrapServers!, DevelopmentBroker, RecordSerdes.Local(), metrics, clients, restoration,
            tune: streamConfig =>
            {
                if (MockCompensation)
                {
                    streamConfig.FetchWaitMaxMs = CompensatedFetchWaitMaxMs;
                }
            });
        var stream = gate.Stream;
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
        await gate.StartAsync(CancellationToken.None);
    }

    /// <summary>
    /// Starts and waits: returns seconds to Streamiz RUNNING and seconds to every task restored (NaN when
    /// restoration did not end within <paramref name="timeout"/>), both from the start call.
    /// </summary>
    public (double Running, double Restored, long StreamizRestorationMs) Start(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        // StartAsync restores global stores before it returns (with --development-broker, a view of every decision): bound it too.
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
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            System.Runtime.JitInfo.GetCompilationTime(currentThread: false).TotalSeconds,
            GC.GetTotalPauseDuration().TotalSeconds);
    }

    private bool failed;

    public void Dispose()
    {
        if (gate != null)
        {
            gate.Stop(failed);
            gate = null;
        }
        clients.Dispose();
        listener.Dispose();
        metrics.Dispose();
    }
}
