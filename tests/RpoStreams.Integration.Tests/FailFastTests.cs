using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>The gate refuses to run on a bad setting or an unreachable cluster: non-zero exit within 30 s, one line naming the problem.</summary>
public class FailFastTests
{
    public static TheoryData<string, string[], string> Cases() => new()
    {
        { "unreachable bootstrap", ["Kafka__BootstrapServers=127.0.0.1:1", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:BootstrapServers 127.0.0.1:1 is not reachable" },
        { "no hash secret outside development", ["Kafka__BootstrapServers=127.0.0.1:1"], "Subjects:HashSecret is required outside Development" },
        { "embedded broker outside development", ["Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:BootstrapServers is required outside Development" },
        { "invalid policy setting", ["Kafka__BootstrapServers=127.0.0.1:1", "Policy__ConsultationValidityDays=0", "Subjects__HashSecret=fail-fast-tests-secret"], "Policy:ConsultationValidityDays must be between 1 and 365 (got 0)" },
        { "invalid calling hours", ["Kafka__BootstrapServers=127.0.0.1:1", "Policy__WeekdayHours=9-20", "Subjects__HashSecret=fail-fast-tests-secret"], "Policy:WeekdayHours '9-20' must be HH:mm-HH:mm" },
        { "malformed bootstrap", ["Kafka__BootstrapServers=kafka", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:BootstrapServers 'kafka' must be host:port" },
        { "peers without a peer secret outside development", ["Kafka__BootstrapServers=127.0.0.1:1", "Api__Peers=http://127.0.0.1:1", "Subjects__HashSecret=fail-fast-tests-secret"], "Api:PeerSecret is required outside Development when Api:Peers or Api:PeerDns is set" },
        { "negative batch limit (Kestrel reads it before validation)", ["Kafka__BootstrapServers=127.0.0.1:1", "Api__MaxBatchBytes=-1", "Subjects__HashSecret=fail-fast-tests-secret"], "Api:MaxBatchBytes must be between 65536 and 67108864 (got -1)" },
        { "a number that is not one", ["Kafka__BootstrapServers=127.0.0.1:1", "Streams__CommitIntervalMs=100ms", "Subjects__HashSecret=fail-fast-tests-secret"], "Streams:CommitIntervalMs '100ms' must be a whole number" },
        { "a switch that is not true or false", ["Kafka__BootstrapServers=127.0.0.1:1", "SchemaRegistry__AutoRegisterSchemas=no", "Subjects__HashSecret=fail-fast-tests-secret"], "SchemaRegistry:AutoRegisterSchemas 'no' must be true or false" },
        { "a number read before validation that is not one", ["Kafka__BootstrapServers=127.0.0.1:1", "Api__PeerPort=x", "Subjects__HashSecret=fail-fast-tests-secret"], "Api:PeerPort 'x' must be a whole number" },
        { "unknown log format", ["Kafka__BootstrapServers=127.0.0.1:1", "Logging__Format=xml", "Subjects__HashSecret=fail-fast-tests-secret"], "Logging:Format 'xml' must be text, json or auto" },
        // A list for a text threw with no setting named (exit 134); a list for the bootstrap servers started the embedded
        // broker; one value for the holidays was read as none.
        { "a list for a text", ["Kafka__BootstrapServers=127.0.0.1:1", "Api__Peers__0=http://127.0.0.1:1", "Subjects__HashSecret=fail-fast-tests-secret"], "Api:Peers is one value, not a list (given as Api:Peers:0, Api__Peers__0)" },
        { "a list for the bootstrap servers", ["Kafka__BootstrapServers__0=127.0.0.1:1", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:BootstrapServers is one value, not a list" },
        { "one value for a list", ["Kafka__BootstrapServers=127.0.0.1:1", "Policy__Holidays=01-01", "Subjects__HashSecret=fail-fast-tests-secret"], "Policy:Holidays is a list: give its entries as Policy:Holidays:0, Policy:Holidays:1" },
        { "a misspelt name", ["Kafka__BootstrapServers=127.0.0.1:1", "Kafka__SaslMechanisms=PLAIN", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:SaslMechanisms is not a setting (did you mean Kafka:SaslMechanism?)" },
        { "a key's company given as a list", ["Kafka__BootstrapServers=127.0.0.1:1", "Api__Keys__fail-fast-secret-key__0=ACME", "Subjects__HashSecret=fail-fast-tests-secret"], "an entry of Api:Keys is given as a list (Api__Keys__…__0): each is one value" },
        // A log level Serilog cannot read aborted the process with a stack trace (exit 134); a state directory that cannot
        // be written and SASL without its credentials failed after start with no setting named.
        { "a log level that is not one", ["Kafka__BootstrapServers=127.0.0.1:1", "Serilog__MinimumLevel__Override__Kafka=Loud", "Subjects__HashSecret=fail-fast-tests-secret"], "Serilog (its configuration section) cannot be read: No LoggingLevelSwitch has been declared with name \"Loud\"" },
        { "a log sink of its own (past the masking)", ["Kafka__BootstrapServers=127.0.0.1:1", "Serilog__WriteTo__0__Name=File", "Serilog__WriteTo__0__Args__path=/tmp/rpo-unmasked.log", "Subjects__HashSecret=fail-fast-tests-secret"], "Serilog:WriteTo is not a setting of the gate" },
        { "a state directory that is a file", ["Kafka__BootstrapServers=127.0.0.1:1", "Streams__StateDir=/etc/hostname", "Subjects__HashSecret=fail-fast-tests-secret"], "Streams:StateDir '/etc/hostname' is a file, not a directory" },
        { "a state directory that cannot be made", ["Kafka__BootstrapServers=127.0.0.1:1", "Streams__StateDir=/proc/rpo-state", "Subjects__HashSecret=fail-fast-tests-secret"], "Streams:StateDir '/proc/rpo-state' cannot be written" },
        { "SASL without a mechanism (librdkafka would try Kerberos)", ["Kafka__BootstrapServers=127.0.0.1:1", "Kafka__SecurityProtocol=SaslSsl", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:SaslMechanism is required with Kafka:SecurityProtocol SaslSsl" },
        { "SASL PLAIN without credentials", ["Kafka__BootstrapServers=127.0.0.1:1", "Kafka__SecurityProtocol=SaslPlaintext", "Kafka__SaslMechanism=Plain", "Subjects__HashSecret=fail-fast-tests-secret"], "Kafka:SaslUsername and Kafka:SaslPassword are required with Kafka:SaslMechanism Plain" },
        { "unknown guarantee", ["Kafka__BootstrapServers=127.0.0.1:1", "Streams__Guarantee=Maybe", "Subjects__HashSecret=fail-fast-tests-secret"], "Streams:Guarantee 'Maybe' must be ExactlyOnce or AtLeastOnce" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Gate_exits_non_zero_within_30_seconds_naming_the_problem(string name, string[] environment, string expected)
    {
        var (_, line, _) = await StoppingLineAsync(name, environment);

        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    /// <summary>An API key written one level too high is named by its place only: its name is the secret.</summary>
    [Fact]
    public async Task An_api_key_out_of_place_is_refused_without_being_written()
    {
        const string Key = "fail-fast-secret-key-0123456789";
        foreach (var name in new[] { $"Api__{Key}", $"Api__Keys_{Key}" })
        {
            var (code, line, log) = await StoppingLineAsync(name, ["Kafka__BootstrapServers=127.0.0.1:1", $"{name}=ACME", "Subjects__HashSecret=fail-fast-tests-secret"]);

            Assert.Equal(2, code);
            Assert.Equal("rpo-gate: a name under Api is not a setting (Api__…; API keys go under Api__Keys__<key>)", line);
            Assert.DoesNotContain(Key, log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_url_the_gate_cannot_listen_on_stops_it_with_exit_2_naming_Urls()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var inUse = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        // Each was an unhandled exception: a stack trace and exit 134 (SIGABRT) instead of a line naming the setting.
        foreach (var (urls, expected) in new[] { (inUse, "address already in use"), ("http://127.0.0.1:70000", "'port'"), ("notaurl", "Invalid url") })
        {
            var (code, line, log) = await StoppingLineAsync(urls, ["Kafka__BootstrapServers=127.0.0.1:1", "Subjects__HashSecret=fail-fast-tests-secret"], urls);

            Assert.Equal(2, code);
            Assert.StartsWith("rpo-gate: Urls: ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            // Nor does the log repeat it with the host's stack trace.
            Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The counters are on /metrics, at 0, while the gate is still starting: a broker that never answers holds it there
    /// (their baseline used to start only after the gate's start, so a gate that never ran exported none).
    /// </summary>
    [Fact]
    public async Task Every_counter_is_on_metrics_before_the_stream_starts()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                held.Add(await silent.AcceptTcpClientAsync(cancel));
            }
        }, cancel);
        var port = LocalPorts.Next();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var stateDir = new TempDirectory("rpo-failfast-");
        info.Environment["Streams__StateDir"] = stateDir.Path;
        info.Environment["Kafka__BootstrapServers"] = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        info.Environment["Subjects__HashSecret"] = "fail-fast-tests-secret";
        using var gate = Process.Start(info)!;
        gate.OutputDataReceived += (_, _) => { };
        gate.ErrorDataReceived += (_, _) => { };
        gate.BeginOutputReadLine();
        gate.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            string? metrics = null;
            string? state = null;
            using (var tick = Signal.Every(TimeSpan.FromMilliseconds(100)))
            {
                await Wait.UntilAsync(
                    async () =>
                    {
                        try
                        {
                            state = await http.GetStringAsync($"http://127.0.0.1:{port}/health/live", cancel);
                            metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", cancel);
                            return true;
                        }
                        catch (HttpRequestException)
                        {
                            return false;
                        }
                    },
                    tick, TimeSpan.FromSeconds(30), "the gate's HTTP endpoints", cancel, abort: () => gate.HasExited ? $"the gate exited with {gate.ExitCode}" : null);
            }

            Assert.Contains("\"state\":\"STARTING\"", state, StringComparison.Ordinal);
            Assert.Contains("rpo_decisions_total{", metrics, StringComparison.Ordinal);
            Assert.Contains("rpo_api_refused_total{", metrics, StringComparison.Ordinal);
        }
        finally
        {
            if (!gate.HasExited)
            {
                gate.Kill(entireProcessTree: true);
            }
            foreach (var client in held)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Starts the gate in Production with <paramref name="environment"/> (NAME=value), asserts it exits non-zero within 30 s, and returns its exit code and its one <c>rpo-gate: </c> line.</summary>
    internal static async Task<(int ExitCode, string Line, string Log)> StoppingLineAsync(string name, IEnumerable<string> environment, string urls = "http://127.0.0.1:0")
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(urls);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var stateDir = new TempDirectory("rpo-failfast-");
        info.Environment["Streams__StateDir"] = stateDir.Path;
        foreach (var pair in environment)
        {
            var eq = pair.IndexOf('=');
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }
        var clock = Stopwatch.StartNew();
        var run = await ProcessRun.RunAsync(info, TimeSpan.FromSeconds(30), $"{name}: the gate", TestContext.Current.CancellationToken);

        var errors = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEqual(0, run.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        return (run.ExitCode, Assert.Single(errors, l => l.StartsWith("rpo-gate: ", StringComparison.Ordinal)), run.Stdout);
    }
}
