using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RpoStreams.Gate.Hosting;

namespace RpoStreams.Testing;

/// <summary>
/// One gate instance (one state dir, one HTTP port) run as <c>dotnet RpoStreams.Gate.dll</c>; each
/// <see cref="Start"/> is a new process on the same state dir, as an orchestrator restarts a pod.
/// </summary>
public sealed class GateProcess : IDisposable
{
    public const string HashSecret = "process-tests-hash-secret-0123456789";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    private readonly string logDirectory;
    private readonly string bootstrap;
    private readonly string applicationId;
    private readonly int partitions;
    private readonly List<ChildProcess> runs = [];

    public GateProcess(string label, string logDirectory, string bootstrap, string applicationId, int partitions, string stateDir)
    {
        Label = label;
        this.logDirectory = logDirectory;
        this.bootstrap = bootstrap;
        this.applicationId = applicationId;
        this.partitions = partitions;
        StateDir = stateDir;
        Port = LocalPorts.Next();
    }

    public string Label { get; }

    public string StateDir { get; }

    public int Port { get; }

    /// <summary>The process of the latest start.</summary>
    public ChildProcess Current => runs.Count > 0 ? runs[^1] : throw new InvalidOperationException($"{Label} was never started");

    public int Starts => runs.Count;

    /// <summary>More settings for the next start (<c>Api__Keys__k</c>, <c>Api__Peers</c>, ...).</summary>
    public Dictionary<string, string?> Environment { get; } = new();

    public bool IsAlive => runs.Count > 0 && !runs[^1].HasExited;

    public ChildProcess Start()
    {
        if (IsAlive)
        {
            throw new InvalidOperationException($"{Label} is already running (pid {Current.Id})");
        }
        var gate = Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll");
        if (!File.Exists(gate))
        {
            throw new FileNotFoundException($"RpoStreams.Gate.dll is not next to the test assembly (the project reference copies it): {gate}");
        }
        var environment = new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = bootstrap,
            ["Kafka__Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
            ["Streams__ApplicationId"] = applicationId,
            ["Streams__StateDir"] = StateDir,
            ["Subjects__HashSecret"] = HashSecret,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["Demo__Enabled"] = "false",
        };
        foreach (var (name, value) in Environment)
        {
            environment[name] = value;
        }
        // The image's allocator (tcmalloc), as a deployed gate runs.
        NativeAllocator.Preload(environment);
        var run = ChildProcess.Start(
            $"{Label}-{runs.Count + 1}", logDirectory, AppContext.BaseDirectory, Dotnet.Host,
            [gate, "--urls", $"http://127.0.0.1:{Port}"], environment);
        runs.Add(run);
        return run;
    }

    /// <summary>The <c>state</c> of <c>/health/live</c>, or null while it does not answer.</summary>
    public async Task<string?> StateAsync(CancellationToken cancel)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{Port}/health/live", cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("state", out var state) ? state.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The body of <c>/health/ready</c> (it may say which partitions this instance owns), or null.</summary>
    public async Task<JsonDocument?> ReadyAsync(CancellationToken cancel)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{Port}/health/ready", cancel);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until <c>/health/live</c> reports RUNNING (tasks assigned, state restored) and returns the time
    /// since this process was started. Fails at once when the process exits or reports a dead state.
    /// </summary>
    public async Task<TimeSpan> WaitRunningAsync(TimeSpan timeout, CancellationToken cancel)
    {
        // The gate logs every state change after making it, so its output is the signal to ask again.
        var run = Current;
        string? last = null;
        await Wait.UntilAsync(
            async () => (last = await StateAsync(cancel) ?? last) == "RUNNING", run.Output, timeout, $"{run.Label} RUNNING", cancel,
            state: () => $"last state {last ?? "no answer"}\n{run.Tail()}",
            abort: () => run.Exited ?? (last is "ERROR" or "FAILED" or "PENDING_ERROR" ? $"{run.Label} reports {last}" : null));
        return run.Clock.Elapsed;
    }

    /// <summary>SIGKILL the running instance.</summary>
    public void Kill() => Current.Kill();

    /// <summary>SIGTERM; returns whether it exited within the timeout, how long it took, and its exit code.</summary>
    public async Task<(bool Exited, TimeSpan Took, int? ExitCode)> TerminateAsync(TimeSpan timeout)
    {
        var run = Current;
        var clock = Stopwatch.StartNew();
        var exited = await run.TerminateAsync(timeout);
        return (exited, clock.Elapsed, exited ? run.ExitCode : null);
    }

    public string Tails(int lines = 40) => string.Join('\n', runs.TakeLast(2).Select(r => r.Tail(lines)));


    public void Dispose()
    {
        foreach (var run in runs)
        {
            run.Dispose();
        }
    }
}
