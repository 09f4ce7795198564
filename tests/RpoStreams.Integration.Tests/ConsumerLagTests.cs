using System.Text.RegularExpressions;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// rpo_consumer_lag means what Kafka users mean by it: end offset minus the group's committed offset on every
/// partition the gate reads, input and repartition topics alike; zero once everything is processed, and it stays
/// zero while the gate idles.
/// </summary>
public sealed class ConsumerLagTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Lag_is_zero_on_every_partition_once_a_run_is_drained_and_stays_zero_while_idle()
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("rpo-lag-").FullName;
        var applicationId = "lag-" + Guid.NewGuid().ToString("N")[..8];
        using var kafka = await DevKafkaProcess.StartAsync(folder, applicationId, 4, cancel);
        using var gate = new GateProcess("gate", folder, kafka.BootstrapServers, applicationId, 4, Path.Combine(folder, "state"));
        gate.Start();
        await gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel);
        using var watch = DecisionWatch.Start(kafka.BootstrapServers);

        var now = SystemClock.Instance.GetCurrentInstant();
        var traffic = new SyntheticTraffic(seed: 11, PolicyRules.Default, runId: applicationId);
        var serdes = RecordSerdes.Local();
        const int intents = 2_000;
        using (var keyed = new TrafficProducer(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }, serdes))
        using (var miskeyed = new TrafficProducer(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }, serdes, keyBySubject: false))
        {
            keyed.Consultation(traffic.Consultation(now));
            for (var i = 0; i < intents; i++)
            {
                // Half keyed by intentId: the subject-events repartition topic is read too.
                (i % 2 == 0 ? keyed : miskeyed).Intent(traffic.Intent(1_000, now));
            }
        }
        await Wait.ProgressAsync(() => watch.Distinct, watch.Changed, intents, TimeSpan.FromSeconds(60), "every intent decided", cancel);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        IReadOnlyList<ConsumerLag.PartitionLag> lag = [];
        using (var tick = Signal.Every(TimeSpan.FromMilliseconds(500)))
        {
            await Wait.UntilAsync(
                async () => (lag = await ConsumerLag.MeasureAsync(admin, applicationId, TimeSpan.FromSeconds(5))).All(p => p.Lag == 0),
                tick, TimeSpan.FromSeconds(60), "zero lag on every partition", cancel,
                () => string.Join(", ", lag.Where(p => p.Lag > 0).Select(p => $"{p.Topic}[{p.Partition}]={p.Lag}")));
        }
        Assert.Contains(lag, p => p.Topic.EndsWith("subject-events-repartition", StringComparison.Ordinal) && p.End > 0);
        Assert.Equal(4 * 4 + 4 + 4 + 1, lag.Count);

        // The gate's own figure agrees once its observer has looked (every 10 s), and stays at zero while idle.
        using (var tick = Signal.Every(TimeSpan.FromSeconds(1)))
        {
            await Wait.UntilAsync(
                async () => LagSeries(await Http.GetStringAsync($"http://127.0.0.1:{gate.Port}/metrics", cancel)) is { Count: > 0 } series && series.All(v => v == 0),
                tick, TimeSpan.FromSeconds(60), "rpo_consumer_lag at 0 in /metrics", cancel);
        }
        Assert.All(await ConsumerLag.MeasureAsync(admin, applicationId, TimeSpan.FromSeconds(5)), p => Assert.Equal(0, p.Lag));
        gate.Kill();
        Directory.Delete(folder, recursive: true);
    }

    private static List<double> LagSeries(string metrics) =>
        Regex.Matches(metrics, @"^rpo_consumer_lag(?:_records)?\{[^}]*\} (\S+)", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
