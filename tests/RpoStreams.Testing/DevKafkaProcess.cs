using System.Text.RegularExpressions;

namespace RpoStreams.Testing;

/// <summary>
/// <c>rpo devkafka</c> as its own process: the embedded broker every gate of one test shares, and its
/// Schema Registry endpoint.
/// </summary>
public sealed partial class DevKafkaProcess : IDisposable
{
    private DevKafkaProcess(ChildProcess process, string bootstrap, string schemaRegistryUrl)
    {
        Process = process;
        BootstrapServers = bootstrap;
        SchemaRegistryUrl = schemaRegistryUrl;
    }

    public ChildProcess Process { get; }

    public string BootstrapServers { get; }

    /// <summary>The Schema Registry endpoint (<c>schema-registry: URL</c>, the line after the bootstrap address).</summary>
    public string SchemaRegistryUrl { get; }

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
        Match? registry = null;
        try
        {
            await Wait.UntilAsync(
                () =>
                {
                    var output = process.ReadStdout();
                    return (bootstrap = BootstrapLine().Match(output)).Success && (registry = RegistryLine().Match(output)).Success;
                },
                process.Output, TimeSpan.FromSeconds(90),
                "rpo devkafka printing its bootstrap address and schema registry URL", cancel,
                state: () => "\n" + process.Tail(),
                abort: () => process.Exited);
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return new DevKafkaProcess(process, bootstrap!.Groups[1].Value, registry!.Groups[1].Value);
    }

    [GeneratedRegex(@"bootstrap: (\S+)")]
    private static partial Regex BootstrapLine();

    [GeneratedRegex(@"schema-registry: (\S+)\r?\n")]
    private static partial Regex RegistryLine();

    public void Dispose() => Process.Dispose();
}

/// <summary>The dotnet host that runs the test, so children run on the same runtime.</summary>
public static class Dotnet
{
    public static string Host { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
}
