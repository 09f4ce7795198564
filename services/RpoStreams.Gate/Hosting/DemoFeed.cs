using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using RpoStreams.Simulation;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The built-in demo (on by default with the embedded broker only): once the gate runs, a day of telemarketing
/// against it. A register consultation now; a register holding 30 % of a population of <see cref="Population"/>
/// numbers (one in ten of them later consented to one company); eight campaigns of four companies dialling their
/// lists at <c>Demo:IntentsPerSecond</c>. Seven lists were scrubbed against the register, and only numbers
/// registered since (one in twenty of the registered ones) slipped through: most intents are ALLOWED, some BLOCKED for
/// RPO_OPPOSITION. One list, <see cref="UnscrubbedCampaign"/>'s, was not scrubbed: about a third of its intents are
/// blocked, and it raises LIST_NOT_SCRUBBED once an hour. The dialer dials part of what it expects to be allowed
/// and, now and then, what it should not: a blocked intent (CALL_AFTER_BLOCK) or a number with no intent at all
/// (CALL_WITHOUT_CLEARANCE). A company never calls a number twice until it has been through its whole list.
/// </summary>
public sealed class DemoFeed : BackgroundService
{
    /// <summary>The demo's numbers: <see cref="SyntheticTraffic.Number"/> 0 to Population - 1.</summary>
    public const int Population = 20_000;

    /// <summary>The campaign whose list nobody checked against the register.</summary>
    public const string UnscrubbedCampaign = "DELTA-ENERGIA";

    private const double RegisterShare = 0.30;
    private const double ConsentShare = 0.10;

    /// <summary>
    /// Of the registered numbers on a scrubbed list, those registered since the scrub: still dialled. Few enough (2 % of a
    /// list) that a scrubbed campaign's first 20 intents of an hour almost never hold 4 of them: only the unscrubbed one
    /// raises LIST_NOT_SCRUBBED (at a quarter, 10 % of a list, scrubbed campaigns raised it too, by chance).
    /// </summary>
    private const double MissedByScrub = 0.05;

    /// <summary>Of the intents the dialer expects to be allowed, those it dials while the demo runs.</summary>
    private const double Dialled = 0.30;

    /// <summary>Of the intents it expects to be blocked, those it dials anyway (CALL_AFTER_BLOCK).</summary>
    private const double DialledAnyway = 0.08;

    /// <summary>Of the intents, those followed by a call that names no intent (CALL_WITHOUT_CLEARANCE).</summary>
    private const double DialledWithoutClearance = 0.0025;

    /// <summary>Walks a list in an order of its own: coprime with <see cref="Population"/>, so every number comes once.</summary>
    private const long Stride = 7_919;

    private static readonly (string Company, string Campaign, string CallCenter)[] Campaigns =
    [
        ("ACME", "ACME-FIBRA", "CC-MILANO"),
        ("ACME", "ACME-MOBILE", "CC-NAPOLI"),
        ("BETA", "BETA-LUCE", "CC-BARI"),
        ("BETA", "BETA-GAS", "CC-TORINO"),
        ("GAMMA", "GAMMA-POLIZZE", "CC-MILANO"),
        ("GAMMA", "GAMMA-PRESTITI", "CC-NAPOLI"),
        ("DELTA", "DELTA-CASA", "CC-TORINO"),
        ("DELTA", UnscrubbedCampaign, "CC-TIRANA"),
    ];

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
            if (runtime.HasFailed || stoppingToken.IsCancellationRequested)
            {
                // A stop before the stream ran (a bad --urls, say) is no failure of the demo's.
                return;
            }
            await Task.Delay(200, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        using var producer = new TrafficProducer(clients, new ProducerConfig { BootstrapServers = runtime.BootstrapServers, ClientId = "rpo-demo-feed" }, serdes);
        var traffic = new SyntheticTraffic(seed: 2026, config.Rules, RegisterShare, runId: "demo-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var registered = Register(producer, traffic, SystemClock.Instance.GetCurrentInstant());
        logger.LogInformation(
            "Demo feed: consultation now, {Registered} of {Population} numbers in the register; {Campaigns} campaigns at {Rate} intents/s, {Unscrubbed} with a list nobody scrubbed (stop with Ctrl+C)",
            registered, Population, Campaigns.Length, config.Demo.IntentsPerSecond, UnscrubbedCampaign);

        var dialler = new Dialler(traffic);
        var delay = TimeSpan.FromSeconds(1.0 / config.Demo.IntentsPerSecond);
        for (var n = 0L; !stoppingToken.IsCancellationRequested; n++)
        {
            var (intent, attempt) = dialler.Next(Campaigns[n % Campaigns.Length], SystemClock.Instance.GetCurrentInstant());
            producer.Intent(intent);
            if (attempt is not null)
            {
                producer.Attempt(attempt);
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

    /// <summary>The consultation, the register and the consents; returns how many numbers are registered.</summary>
    private static int Register(TrafficProducer producer, SyntheticTraffic traffic, Instant now)
    {
        producer.Consultation(traffic.Consultation(now));
        var registered = 0;
        for (var i = 0L; i < Population; i++)
        {
            if (traffic.IsRegistered(i))
            {
                producer.Register(traffic.Registration(i, now));
                registered++;
                if (SyntheticTraffic.ConsentsAfterRegistration(i, ConsentShare))
                {
                    producer.Consent(traffic.ConsentAfterRegistration(i, now));
                }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(10));
        return registered;
    }

    /// <summary>The call centres' dialler: each company's list, walked once, and what it dials of it.</summary>
    private sealed class Dialler(SyntheticTraffic traffic)
    {
        private readonly Dictionary<string, long> positions = new(StringComparer.Ordinal);
        private bool brokeARule;

        public (CallIntent Intent, CallAttempt? Attempt) Next((string Company, string Campaign, string CallCenter) campaign, Instant now)
        {
            var i = NextNumber(campaign.Company, scrubbed: campaign.Campaign != UnscrubbedCampaign);
            var intent = traffic.CampaignIntent(i, campaign.Company, campaign.CallCenter, campaign.Campaign, now);
            var roll = traffic.NextDouble();
            if (roll < DialledWithoutClearance)
            {
                return (intent, traffic.Attempt(intent, namesIntent: false));
            }
            if (ExpectsAllowed(i, intent))
            {
                return (intent, roll < Dialled ? traffic.Attempt(intent) : null);
            }
            // The first blocked intent is dialled at once, so the demo shows an alert within seconds; then a few.
            var anyway = !brokeARule || roll < DialledAnyway;
            brokeARule = true;
            return (intent, anyway ? traffic.Attempt(intent) : null);
        }

        /// <summary>The company's next number; a scrubbed list holds only the registered numbers the scrub missed.</summary>
        private long NextNumber(string company, bool scrubbed)
        {
            // Each company starts its walk somewhere else in the population.
            var position = positions.GetValueOrDefault(company, Array.FindIndex(Campaigns, c => c.Company == company) * 2_500L);
            long i;
            do
            {
                i = position++ * Stride % Population;
            }
            while (scrubbed && traffic.IsRegistered(i) && traffic.NextDouble() >= MissedByScrub);
            positions[company] = position;
            return i;
        }

        /// <summary>What the dialer knows: the caller line it shows, the purpose, and whether the number was registered or consented.</summary>
        private bool ExpectsAllowed(long i, CallIntent intent) =>
            CallerIdentity.IsValid(intent.callerId)
            && (intent.purpose == Purpose.SERVICE
                || !traffic.IsRegistered(i)
                || (SyntheticTraffic.ConsentsAfterRegistration(i, ConsentShare) && SyntheticTraffic.ConsentCompanyOf(i) == intent.companyId));
    }
}
