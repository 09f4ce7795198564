using System.Text.RegularExpressions;

namespace RpoStreams.Testing;

/// <summary><c>rpo devkafka</c> as its own process: the embedded broker every gate of one test shares.</summary>
public sealed partial class DevKafkaProcess : IDisposable
{
    private DevKafkaProcess(ChildProcess process, string bootstrap)
    {
        Process = process;
        BootstrapServers = bootstrap;
    }

    public ChildProcess Process { get; }

    public string BootstrapServers { get; }

    public static async Task<DevKafkaProcess> StartAsync(string logDirectory, string applicationId, int partitions, CancellationToken cancel)
    {
        var rpo = Path.Combine(AppContext.BaseDirectory, "rpo.dll");
        if (!File.Exists(rpo))
        {
            throw new FileNotFoundException($"rpo.dll is not next to the test assembly (the project reference to RpoStreams.Cli copies it): {rpo}");
        }
        var process = ChildProcess.Start(
            "devkafka", logDirectory, logDirectory, Dotnet.Host,
            [rpo, "devkafka", "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture), "--application-id", applicationId],
            new Dictionary<string, string?>());
        Match? bootstrap = null;
        try
        {
            await Wait.UntilAsync(
                () => (bootstrap = BootstrapLine().Match(process.ReadStdout())).Success, process.Output, TimeSpan.FromSeconds(90),
                "rpo devkafka printing its bootstrap address", cancel,
                state: () => "\n" + process.Tail(),
                abort: () => process.HasExited ? $"rpo devkafka exited with {process.ExitCode}" : null);
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return new DevKafkaProcess(process, bootstrap!.Groups[1].Value);
    }

    [GeneratedRegex(@"bootstrap: (\S+)")]
    private static partial Regex BootstrapLine();

    public void Dispose() => Process.Dispose();
}

/// <summary>The dotnet host that runs the test, so children run on the same runtime.</summary>
public static class Dotnet
{
    public static string Host { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
}
