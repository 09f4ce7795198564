using System.Diagnostics;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A failing <c>rpo</c> command says why in one line naming the command, with a non-zero exit code: no stack trace,
/// and no flood of the same librdkafka error while it waits.
/// </summary>
public sealed class CliErrorTests
{
    [Fact]
    public async Task A_broker_that_does_not_answer_is_one_line_and_exit_2()
    {
        var closed = $"127.0.0.1:{LocalPorts.Next()}";

        var run = await RpoAsync([], "lag", "--bootstrap", closed);

        Assert.Equal(2, run.ExitCode);
        AssertOneReason(run.Stderr, $"rpo lag: Kafka at {closed} is not reachable");
        // librdkafka's retries are not written one by one (about 400 lines in those 10 s before), nor again with their count.
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length <= 10, run.Stderr);
        Assert.DoesNotContain(lines, l => l.Contains("since it was last written", StringComparison.Ordinal));
    }

    /// <summary>Kafka's spelling is taken (and then the credentials it needs are asked for, by the settings' names); a wrong one is named before any client is made.</summary>
    [Theory]
    [InlineData("bogus", 2, "rpo lag: Kafka:SecurityProtocol 'bogus' must be one of")]
    [InlineData("SASL_SSL", 2, "rpo lag: Kafka:SaslUsername and Kafka:SaslPassword are required with Kafka:SaslMechanism SCRAM-SHA-512")]
    public async Task The_environments_kafka_settings_are_checked_as_the_gate_checks_them(string protocol, int exitCode, string reason)
    {
        var run = await RpoAsync([("Kafka__SecurityProtocol", protocol), ("Kafka__SaslMechanism", "SCRAM-SHA-512")], "lag", "--bootstrap", $"127.0.0.1:{LocalPorts.Next()}");

        Assert.Equal(exitCode, run.ExitCode);
        AssertOneReason(run.Stderr, reason);
    }

    /// <summary>A list given for a text threw past the command ("Cannot create instance of type 'System.String'", exit 1).</summary>
    [Fact]
    public async Task A_setting_given_as_a_list_is_named_as_the_gate_names_it()
    {
        var run = await RpoAsync([("Kafka__SaslPassword__0", "x")], "lag", "--bootstrap", $"127.0.0.1:{LocalPorts.Next()}");

        Assert.Equal(2, run.ExitCode);
        AssertOneReason(run.Stderr, "rpo lag: Kafka:SaslPassword is one value, not a list");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1e-300")]
    [InlineData("Infinity")]
    public async Task A_rate_that_is_not_one_is_refused(string rate)
    {
        var run = await RpoAsync([], "simulate", "--bootstrap", "127.0.0.1:1", "--rate", rate, "--intents", "2");

        Assert.Equal(2, run.ExitCode);
        AssertOneReason(run.Stderr, "rpo simulate: --rate must be 0 (as fast as possible) or from 1/60");
    }

    [Fact]
    public async Task A_file_replay_cannot_read_is_one_line()
    {
        // A file the process cannot read whoever runs the tests (root reads files whatever their mode).
        var run = await RpoAsync([], "replay", "/proc/self/mem");

        Assert.Equal(1, run.ExitCode);
        AssertOneReason(run.Stderr, "rpo replay: ");
    }

    [Fact]
    public async Task A_directory_given_to_replay_is_named_as_one()
    {
        var run = await RpoAsync([], "replay", AppContext.BaseDirectory);

        Assert.Equal(2, run.ExitCode);
        AssertOneReason(run.Stderr, "rpo replay: a directory, not a scenario file: ");
    }

    private static void AssertOneReason(string stderr, string reason)
    {
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static Task<ProcessRun.Result> RpoAsync((string Name, string Value)[] environment, params string[] args)
    {
        var info = new ProcessStartInfo(Dotnet.Host);
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rpo.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return ProcessRun.RunAsync(info, TimeSpan.FromSeconds(60), "rpo " + args[0], TestContext.Current.CancellationToken);
    }
}
