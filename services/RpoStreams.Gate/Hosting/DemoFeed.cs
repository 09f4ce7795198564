using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Policy;
using RpoStreams.Simulation;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The built-in demo: once the gate runs, feeds it a fresh register consultation, a small register with
/// consents, and a steady trickle of intents and attempts (a few of them violations), so decisions and
/// alerts flow without writing a producer. On by default with the embedded broker only.
/// </summary>
public sealed class DemoFeed : BackgroundService
{
    private const int Population = 2_000;

    private readonly GateConfiguration config;
    private readonly GateRuntime runtime;
    private readonly RecordSerdes serdes;
    private readonly KafkaClientFactory clients;
    private readonly ILogger<DemoFeed> logger;

    public DemoFeed(GateConfiguration config, GateRuntime runtime, RecordSerdes serdes, KafkaClientFactory clients, ILogger<DemoFeed> logger)
    {
        this.config = config;
        this.runtime = runtime;
        this.serdes = serdes;
        this.clients = clients;
        this.logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!config.DemoEnabled)
        {
            return;
        }
        while (!runtime.IsRunning)
        {
            if (runtime.HasFailed)
            {
                return;
            }
            await Task.Delay(200, stoppingToken);
        }
        using var producer = new TrafficProducer(clients, new ProducerConfig { BootstrapServers = runtime.BootstrapServers, ClientId = "rpo-demo-feed" }, serdes);
        var traffic = new SyntheticTraffic(seed: 2026, config.Rules, runId: "demo-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var now = SystemClock.Instance.GetCurrentInstant();

        producer.Consultation(traffic.Consultation(now));
        var registered = 0;
        for (var i = 0L; i < Population; i++)
        {
            if (traffic.IsRegistered(i))
            {
                producer.Register(traffic.Registration(i, now));
                registered++;
                if (i % 10 == 0)
                {
                    producer.Consent(traffic.ConsentAfterRegistration(i, now));
                }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(10));
        logger.LogInformation(
            "Demo feed: consultation now, {Registered} of {Population} numbers in the register; sending {Rate} intents/s (stop with Ctrl+C)",
            registered, Population, config.Demo.IntentsPerSecond);

        var delay = TimeSpan.FromSeconds(1.0 / config.Demo.IntentsPerSecond);
        while (!stoppingToken.IsCancellationRequested)
        {
            now = SystemClock.Instance.GetCurrentInstant();
            var intent = traffic.Intent(Population, now);
            producer.Intent(intent);
            var roll = traffic.NextDouble();
            if (roll < 0.30)
            {
                // This dialer dials a third of its intents without waiting for the answer, so some blocked ones are
                // dialled (CALL_AFTER_BLOCK); one attempt in thirty names no intent (CALL_WITHOUT_CLEARANCE).
                producer.Attempt(traffic.Attempt(intent, namesIntent: roll > 0.01));
            }
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
