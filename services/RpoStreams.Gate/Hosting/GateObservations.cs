using System.Diagnostics.Metrics;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Errors;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Looks at the running gate from outside every few seconds: consumer lag per partition (committed offsets
/// of the application's group against the end offsets), entries per state store, and the register's age. Published as gauges on the gate's meter and read by health, dashboard and tests.
/// </summary>
public sealed class GateObservations : BackgroundService
{
    private readonly TimeSpan interval;

    private readonly GateRuntime runtime;
    private readonly GateConfiguration config;
    private readonly KafkaClientFactory clients;
    private readonly ILogger<GateObservations> logger;
    private readonly Meter meter;
    private volatile Snapshot current = new([], new Dictionary<string, long>());

    /// <summary>One observation: lag by topic and partition, entries by store.</summary>
    public sealed record Snapshot(IReadOnlyList<(string Topic, int Partition, long Lag)> Lag, IReadOnlyDictionary<string, long> StoreEntries);

    public GateObservations(GateRuntime runtime, GateConfiguration config, KafkaClientFactory clients, ILogger<GateObservations> logger, IMeterFactory meters)
        : this(runtime, config, clients, logger, meters, TimeSpan.FromSeconds(10))
    {
    }

    /// <summary>Observes every <paramref name="interval"/> (tests; the service observes every 10 s).</summary>
    internal GateObservations(GateRuntime runtime, GateConfiguration config, KafkaClientFactory clients, ILogger<GateObservations> logger, IMeterFactory meters, TimeSpan interval)
    {
        this.interval = interval;
        this.runtime = runtime;
        this.config = config;
        this.clients = clients;
        this.logger = logger;
        meter = meters.Create(GateMetrics.MeterName);
        meter.CreateObservableGauge(
            "rpo_consumer_lag",
            ObserveLag,
            unit: "{record}",
            description: "End offset minus the gate group's committed offset, per partition of the input and repartition topics (0 when all is processed; under exactly-once an idle repartition partition may show 1, its transaction marker)");
        meter.CreateObservableGauge("rpo_state_store_entries", ObserveEntries, unit: "{entry}", description: "Approximate entries per state store of this instance");
        meter.CreateObservableGauge("rpo_register_age_seconds", ObserveRegisterAge, unit: "s", description: "Seconds since the latest register consultation (absent before the first one)");
        meter.CreateObservableGauge("rpo_owned_partitions", () => runtime.OwnedPartitions.Count, description: "Subject partitions whose tasks run in this instance");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        IAdminClient? admin = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (runtime.BootstrapServers is null)
                {
                    continue;
                }
                // Lag is the group's, measured in a rebalance too (when it grows); stores only while this instance runs.
                // What cannot be measured now is not exported, rather than the last figure kept.
                var entries = runtime.IsRunning ? StoreEntries() : new Dictionary<string, long>();
                try
                {
                    admin ??= clients.CreateAdmin(new AdminClientConfig { BootstrapServers = runtime.BootstrapServers, ClientId = config.Streams.ApplicationId + "-observer" });
                    current = new Snapshot(await LagAsync(admin), entries);
                }
                catch (Exception e) when (e is KafkaException or InvalidOperationException or TimeoutException)
                {
                    current = new Snapshot([], entries);
                    logger.LogDebug("Could not observe the gate: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            admin?.Dispose();
        }
    }

    /// <summary>Lag of the application's consumer group on every partition it reads (<see cref="ConsumerLag"/>).</summary>
    private async Task<List<(string, int, long)>> LagAsync(IAdminClient admin) =>
        (await ConsumerLag.MeasureAsync(admin, config.Streams.ApplicationId, TimeSpan.FromSeconds(5)))
            .Select(l => (l.Topic, l.Partition, l.Lag))
            .ToList();

    private Dictionary<string, long> StoreEntries()
    {
        var entries = new Dictionary<string, long>();
        void Count<T>(string name)
        {
            try
            {
                if (runtime.SubjectStore<T>(name) is { } store)
                {
                    entries[name] = store.ApproximateNumEntries();
                }
            }
            catch (InvalidStateStoreException)
            {
                // Its tasks are moving (a rebalance): counted again at the next tick.
            }
        }
        Count<SubjectState>(StoreNames.Subjects);
        Count<PendingAttempt>(StoreNames.PendingAttempts);
        Count<CampaignCount>(StoreNames.CampaignPartials);
        Count<CampaignHourTally>(StoreNames.CampaignTallies);
        return entries;
    }

    private IEnumerable<Measurement<long>> ObserveLag() =>
        current.Lag.Select(l => new Measurement<long>(l.Lag, new KeyValuePair<string, object?>("topic", l.Topic), new KeyValuePair<string, object?>("partition", l.Partition)));

    private IEnumerable<Measurement<long>> ObserveEntries() =>
        current.StoreEntries.Select(e => new Measurement<long>(e.Value, new KeyValuePair<string, object?>("store", e.Key)));

    private IEnumerable<Measurement<double>> ObserveRegisterAge()
    {
        if (runtime.LatestConsultation() is { } latest)
        {
            yield return new Measurement<double>((SystemClock.Instance.GetCurrentInstant() - latest).TotalSeconds);
        }
    }

    public override void Dispose()
    {
        meter.Dispose();
        base.Dispose();
    }
}
