using System.Diagnostics;
using System.Globalization;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// One gate process for the hostile-input tests, as the tester ran it: in Development (so the development
/// hash secret, a public constant, is in use), on `rpo devkafka`, with two API keys for one company and a peer
/// secret the tests can sign with. Started once for the whole class.
/// </summary>
public sealed class HostileGate : IAsyncLifetime
{
    public const string Key = "hostilekey0123456789abcdef";

    /// <summary>A key of its own for the rate-limit test, so its bursts do not starve the other tests.</summary>
    public const string RateKey = "ratelimitkey0123456789abcdef";

    public const string PeerSecret = "hostile-tests-peer-secret-0123456789abcdef";

    public const int RequestsPerSecond = 50;

    /// <summary>
    /// Batches the gate admits at once: four per batch slot, a slot per two cores, and the gate is told it has two
    /// (<c>DOTNET_PROCESSOR_COUNT</c>), whatever the machine.
    /// </summary>
    public const int BatchesAdmitted = 4;

    /// <summary>Api:MaxBatchBytes, the default.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private readonly string folder = Directory.CreateTempSubdirectory("rpo-hostile-").FullName;
    private DevKafkaProcess? kafka;

    public GateProcess Gate { get; private set; } = null!;

    public int Port => Gate.Port;

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Gate.Port}{pathAndQuery}";

    /// <summary>The gate's /metrics right after it reached RUNNING, before the warm-up or any test sent a request.</summary>
    public string MetricsAtStart { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var cancel = TestContext.Current.CancellationToken;
        var applicationId = "hostile-" + Guid.NewGuid().ToString("N")[..8];
        kafka = await DevKafkaProcess.StartAsync(folder, applicationId, 4, cancel);
        Gate = new GateProcess("hostile-gate", folder, kafka.BootstrapServers, applicationId, 4, Path.Combine(folder, "state"));
        Gate.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        // JSON lines, so the tests can tell Error lines from the rest.
        Gate.Environment["Logging__Format"] = "json";
        Gate.Environment["Subjects__HashSecret"] = null;
        Gate.Environment[$"Api__Keys__{Key}"] = "ACME";
        Gate.Environment[$"Api__Keys__{RateKey}"] = "ACME";
        Gate.Environment["Api__RequestsPerSecond"] = RequestsPerSecond.ToString(CultureInfo.InvariantCulture);
        Gate.Environment["Api__PeerSecret"] = PeerSecret;
        Gate.Environment["DOTNET_PROCESSOR_COUNT"] = "2";
        Gate.Start();
        await Gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel);
        // Before any request: what a scrape right after start-up sees.
        MetricsAtStart = await Http.GetStringAsync(Url("/metrics"), cancel);
        // Warm up: the first answers compile the code paths the tests time.
        foreach (var path in new[] { "/v1/check?subject=%2B393331234567&companyId=ACME", "/v1/check?subject=Via%20Roma%201&companyId=ACME&channel=POSTAL_MAIL", "/openapi/v1.json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
            request.Headers.Add("X-Api-Key", Key);
            using var response = await Http.SendAsync(request, cancel);
        }
        foreach (var (body, type) in new[] { ("{\"subjects\":[\"+393331234567\"]}", "application/json"), ("+393331234567\n", "text/csv"), ("{", "application/json") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url("/v1/check/batch")) { Content = new StringContent(body, System.Text.Encoding.UTF8, type) };
            request.Headers.Add("X-Api-Key", Key);
            using var response = await Http.SendAsync(request, cancel);
        }
    }

    /// <summary>Resident memory of the gate process (VmRSS in /proc/PID/status), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Gate.Current.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for pid {Gate.Current.Id}");
    }

    /// <summary>Everything the gate has logged so far.</summary>
    public string Log() => Gate.Current.ReadStdout() + File.ReadAllText(Gate.Current.StderrPath);

    /// <summary>Sends a request and reads the whole answer, timing it.</summary>
    public static async Task<(int Status, string? Type, string Body, TimeSpan Took)> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var response = await Http.SendAsync(request, cancel);
        var body = await response.Content.ReadAsStringAsync(cancel);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, clock.Elapsed);
    }

    public ValueTask DisposeAsync()
    {
        Gate?.Dispose();
        kafka?.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
