using System.Net;
using RpoStreams.Testing;

namespace RpoStreams.EndToEnd.Tests;

/// <summary>
/// The gate as a separate process, as a person runs it: <c>dotnet RpoStreams.Gate.dll --urls http://127.0.0.1:PORT</c>
/// in Development, on the embedded broker (so its built-in demo feed produces decisions and alerts), with a
/// state dir of its own. A <see cref="ChildProcess"/>: its output goes to files in the results folder.
/// <see cref="Dispose"/> kills it and removes the state dir.
/// </summary>
public sealed class GateUnderTest : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly ChildProcess process;
    private readonly string stateDir;

    private GateUnderTest(ChildProcess process, int port, string stateDir)
    {
        this.process = process;
        this.stateDir = stateDir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The gate's log (its stdout).</summary>
    public string LogPath => process.StdoutPath;

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public bool HasExited => process.HasExited;

    /// <summary>Starts the gate with its output in <paramref name="logDirectory"/>/<paramref name="label"/>.out and .err.</summary>
    public static GateUnderTest Start(string logDirectory, string label)
    {
        var gate = Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll");
        if (!File.Exists(gate))
        {
            throw new FileNotFoundException($"RpoStreams.Gate.dll is not next to the test assembly (the project reference copies it): {gate}");
        }
        var port = LocalPorts.Next();
        var stateDir = Path.Combine(Path.GetTempPath(), "rpo-dashboard-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(stateDir);
        Directory.CreateDirectory(logDirectory);
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["Urls"] = null,
            // The embedded broker, whatever the machine's environment says, and its demo feed.
            ["Kafka__BootstrapServers"] = string.Empty,
            ["SchemaRegistry__Url"] = string.Empty,
            ["Demo__Enabled"] = "true",
            ["Streams__StateDir"] = stateDir,
            ["Logging__Format"] = "text",
        };
        var process = ChildProcess.Start(label, logDirectory, AppContext.BaseDirectory, Dotnet.Host, [gate, "--urls", $"http://127.0.0.1:{port}"], environment);
        return new GateUnderTest(process, port, stateDir);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails at once when the gate exits.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var last = "no answer";
        // Readiness turns on without a log line of its own (the demo's consultation reaching a global store): asked on a timer.
        using var tick = Signal.Every(TimeSpan.FromMilliseconds(250));
        return await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await Http.GetAsync(new Uri(Url, "health/ready"), cancel);
                    last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}";
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
                {
                    last = e.Message;
                    return false;
                }
            },
            tick, timeout, "the gate ready", cancel,
            state: () => $"last /health/ready: {last}\n{LogTail()}",
            abort: () => process.Exited);
    }

    /// <summary>The last lines of the gate's output, for failure messages.</summary>
    public string LogTail(int lines = 25) => process.Tail(lines);

    public void Dispose()
    {
        process.Dispose();
        try
        {
            Directory.Delete(stateDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

}
