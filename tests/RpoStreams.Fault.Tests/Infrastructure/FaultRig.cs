using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Simulation;

using RpoStreams.Testing;

namespace RpoStreams.Fault.Tests.Infrastructure;

/// <summary>
/// Everything one fault test owns: a temp folder (logs, state dirs), its own application id, its own
/// <c>rpo devkafka</c> process and the gates it starts. Disposing kills every process still running;
/// when the test did not call <see cref="Passed"/>, the tail of every log is written to the test output
/// and the folder is kept for a post-mortem.
/// </summary>
public sealed class FaultRig : IAsyncDisposable
{
    private readonly List<GateProcess> gates = [];
    private readonly List<IDisposable> owned = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private bool passed;

    private FaultRig(string scenario, string directory, string applicationId, int partitions, DevKafkaProcess broker)
    {
        Scenario = scenario;
        Directory = directory;
        ApplicationId = applicationId;
        Partitions = partitions;
        Broker = broker;
    }

    public string Scenario { get; }

    public string Directory { get; }

    public string ApplicationId { get; }

    public int Partitions { get; }

    public DevKafkaProcess Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public RecordSerdes Serdes { get; } = RecordSerdes.Local();

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<FaultRig> StartAsync(string scenario, int partitions)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"rpo-fault-{scenario}-").FullName;
        var applicationId = $"{scenario}-{Guid.NewGuid().ToString("N")[..8]}";
        var broker = await DevKafkaProcess.StartAsync(directory, applicationId, partitions, Cancel);
        var rig = new FaultRig(scenario, directory, applicationId, partitions, broker);
        rig.Log($"folder {directory}, application id {applicationId}, rpo devkafka pid {broker.Process.Id} at {broker.BootstrapServers} with {partitions} partitions");
        rig.Log($"gate build under test: {BuildOf("RpoStreams.Gate.dll")}, rpo {BuildOf("rpo.dll")}");
        return rig;
    }

    /// <summary>When an assembly next to the tests was built and a short hash of it, to tell runs against different builds apart.</summary>
    private static string BuildOf(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly);
        if (!File.Exists(path))
        {
            return "missing";
        }
        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream))[..12].ToLowerInvariant();
        return $"{File.GetLastWriteTimeUtc(path):yyyy-MM-ddTHH:mm:ssZ} sha256:{hash}";
    }

    /// <summary>A gate instance with its own state dir under the test folder (not started yet).</summary>
    public GateProcess Gate(string label)
    {
        var gate = new GateProcess(label, Directory, BootstrapServers, ApplicationId, Partitions, Path.Combine(Directory, "state-" + label));
        gates.Add(gate);
        return gate;
    }

    public TrafficProducer Producer()
    {
        var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = BootstrapServers, LingerMs = 20, BatchSize = 512 * 1024, ClientId = Scenario + "-producer" }, Serdes);
        return producer;
    }

    public DecisionWatch Watch(bool keepDecisions = false)
    {
        var watch = DecisionWatch.Start(BootstrapServers, keepDecisions);
        owned.Add(watch);
        return watch;
    }

    /// <summary><see cref="DecisionAudit"/> (what <c>rpo audit</c> runs) over this test's broker.</summary>
    public Task<AuditResult> AuditAsync(TimeSpan wait) =>
        Task.Run(() => new DecisionAudit(BootstrapServers, Serdes).Run(wait, message => Log("audit: " + message)));

    public void Log(string message) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>Logs what a live gate says about itself (<c>/health/ready</c>: state, reasons, owned partitions).</summary>
    public async Task LogReadinessAsync(GateProcess gate)
    {
        if (!gate.IsAlive)
        {
            Log($"{gate.Label}: not running (exit code {gate.Current.ExitCode})");
            return;
        }
        using var ready = await gate.ReadyAsync(CancellationToken.None);
        Log($"{gate.Label} /health/ready: {(ready is null ? "no answer" : ready.RootElement.GetRawText())}");
    }

    /// <summary>
    /// The run broke off before its end: logs why and what the gate says of itself, and returns the
    /// exception, which the test throws again once it has audited and recorded how far the run got.
    /// </summary>
    public async Task<Exception> BrokeOffAsync(Exception e, GateProcess gate, string? when = null)
    {
        if (gate.Starts > 0)
        {
            await LogReadinessAsync(gate);
        }
        Log($"the run broke off{when}: {e.Message}");
        return e;
    }

    /// <summary>Names the intents of run <paramref name="runId"/> decided more than once and those not decided at all.</summary>
    public void LogAnomalies(DecisionWatch watch, string runId, int intents)
    {
        var repeated = watch.Repeated();
        if (repeated.Count > 0)
        {
            Log($"intents with more than one decision record (first {repeated.Count}): {string.Join(", ", repeated.Select(r => $"{r.IntentId} x{r.Count}"))}");
        }
        Log($"intents without a decision: {watch.UndecidedRanges(runId, intents)}");
    }

    /// <summary>The test reached its end: logs are not dumped and the folder is removed.</summary>
    public void Passed() => passed = true;

    public ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
        if (!passed)
        {
            Log($"the test did not pass: logs and state are kept in {Directory}");
            foreach (var gate in gates.Where(g => g.Starts > 0))
            {
                Log(gate.Tails(60));
            }
            Log(Broker.Process.Tail(20));
        }
        foreach (var gate in gates)
        {
            gate.Dispose();
        }
        Broker.Dispose();
        if (passed)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return ValueTask.CompletedTask;
    }
}
