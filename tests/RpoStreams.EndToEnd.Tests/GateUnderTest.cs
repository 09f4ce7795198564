using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RpoStreams.EndToEnd.Tests;

/// <summary>
/// The gate as a separate process, as a person runs it: <c>dotnet RpoStreams.Gate.dll --urls http://127.0.0.1:PORT</c>
/// in Development, on the embedded broker (so its built-in demo feed produces decisions and alerts), with a
/// state dir of its own. Its output goes to a log file (through <c>sh -c 'exec … &gt; log'</c>, so nothing has to
/// drain pipes and the pid is the gate's own). <see cref="Dispose"/> kills it and removes the state dir.
/// </summary>
public sealed class GateUnderTest : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process process;
    private readonly string stateDir;

    private GateUnderTest(Process process, int port, string stateDir, string logPath)
    {
        this.process = process;
        this.stateDir = stateDir;
        Port = port;
        LogPath = logPath;
    }

    public int Port { get; }

    public string LogPath { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public bool HasExited => process.HasExited;

    public static GateUnderTest Start(string logPath)
    {
        var gate = Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll");
        if (!File.Exists(gate))
        {
            throw new FileNotFoundException($"RpoStreams.Gate.dll is not next to the test assembly (the project reference copies it): {gate}");
        }
        var port = FreePort();
        var stateDir = Path.Combine(Path.GetTempPath(), "rpo-dashboard-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(stateDir);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >\"$RPO_TEST_LOG\" 2>&1 </dev/null");
        info.ArgumentList.Add(DotnetHost);
        info.ArgumentList.Add(gate);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["RPO_TEST_LOG"] = logPath;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("Urls");
        // The embedded broker, whatever the machine's environment says, and its demo feed.
        info.Environment["Kafka__BootstrapServers"] = string.Empty;
        info.Environment["SchemaRegistry__Url"] = string.Empty;
        info.Environment["Demo__Enabled"] = "true";
        info.Environment["Streams__StateDir"] = stateDir;
        info.Environment["Logging__Format"] = "text";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the gate");
        return new GateUnderTest(process, port, stateDir, logPath);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails at once when the gate exits.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the gate exited with code {process.ExitCode} before it was ready:\n{LogTail()}");
            }
            try
            {
                using var response = await Http.GetAsync(new Uri(Url, "health/ready"), cancel);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                last = e.Message;
            }
            await Task.Delay(250, cancel);
        }
        throw new TimeoutException($"the gate was not ready within {timeout.TotalSeconds:0} s (last /health/ready: {last}):\n{LogTail()}");
    }

    /// <summary>The last lines of the gate's log, for failure messages.</summary>
    public string LogTail(int lines = 25)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(15));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
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

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
