using Confluent.Kafka;
using NodaTime;
using NodaTime.Text;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Records;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// What the check API tests share, started once for the class: `rpo devkafka`, two gate processes that
/// forward to each other, a register of 8 numbers (one with a later consent to ACME) and 4 free ones.
/// </summary>
public sealed class CheckApiRig : IAsyncLifetime
{
    public const string AcmeKey = "acmekey0123456789abcdef";
    public const string BetaKey = "betakey0123456789abcdef";

    /// <summary>A key of its own for the rate-limit test, so the bucket it empties is no other test's.</summary>
    public const string LimitKey = "limitkey0123456789abcde";

    /// <summary>Where the rig's numbers start: the log test's simulated traffic covers numbers 0 to about 1,700.</summary>
    private const long FirstNumber = 100_000_000;

    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly string folder = Directory.CreateTempSubdirectory("rpo-api-").FullName;
    private readonly string applicationId = "api-" + Guid.NewGuid().ToString("N")[..8];

    public DevKafkaProcess Kafka { get; private set; } = null!;

    public GateProcess First { get; private set; } = null!;

    public GateProcess Second { get; private set; } = null!;

    public List<string> Registered { get; } = [];

    public List<string> Free { get; } = [];

    public string Consented { get; private set; } = null!;

    /// <summary>A number whose holder objected to ACME yesterday (a consent WITHDRAWN a day ago).</summary>
    public string Withdrawn { get; } = SyntheticTraffic.Number(FirstNumber + 12);

    /// <summary>Two days ago, when <see cref="Withdrawn"/>'s objection was not yet made.</summary>
    public Instant TwoDaysAgo { get; private set; }

    public string At { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancel = TestContext.Current.CancellationToken;
        Kafka = await DevKafkaProcess.StartAsync(folder, applicationId, 4, cancel);
        First = Gate("gate-a");
        Second = Gate("gate-b");
        First.Environment["Api__Peers"] = $"http://127.0.0.1:{Second.Port}";
        Second.Environment["Api__Peers"] = $"http://127.0.0.1:{First.Port}";
        First.Start();
        Second.Start();
        await First.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel);
        await Second.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel);

        var now = SystemClock.Instance.GetCurrentInstant();
        At = OffsetDateTimePattern.ExtendedIso.Format(PolicyRules.Default.Window.NextOpen(now + Duration.FromDays(1)).WithOffset(NodaTime.Offset.Zero));
        var serdes = RecordSerdes.Local();
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers }, serdes))
        {
            producer.Consultation(new RegisterConsultation { consultedAt = now.ToAvro(), feedId = "api-tests" });
            for (var i = 0; i < 12; i++)
            {
                // Far past any population a simulated run of another test registers or calls (its numbers start at 0).
                var number = SyntheticTraffic.Number(FirstNumber + i);
                if (i < 8)
                {
                    Registered.Add(number);
                    producer.Register(new RegisterUpdate { subject = number, subjectType = SubjectType.PHONE, action = RegisterAction.REGISTERED, effectiveAt = (now - Duration.FromDays(40)).ToAvro() });
                }
                else
                {
                    Free.Add(number);
                }
            }
            Consented = Registered[0];
            producer.Consent(new ConsentEvent { subject = Consented, subjectType = SubjectType.PHONE, companyId = "ACME", action = ConsentAction.GRANTED, basis = ConsentBasis.EXPLICIT_CONSENT, at = (now - Duration.FromDays(2)).ToAvro() });
            TwoDaysAgo = now - Duration.FromDays(2);
            producer.Consent(new ConsentEvent { subject = Withdrawn, subjectType = SubjectType.PHONE, companyId = "ACME", action = ConsentAction.WITHDRAWN, at = (now - Duration.FromDays(1)).ToAvro() });
        }
        await TopicCounter.WaitForRecordsAsync(Kafka.BootstrapServers, $"{applicationId}-subject-state-changelog", Registered.Count + 2, TimeSpan.FromSeconds(120), cancel);
        // Both instances answer once each owns its partitions and the register consultation is in.
        foreach (var gate in new[] { First, Second })
        {
            // Readiness turns on without a log line (the consultation arrives in a global store): asked on a timer.
            using var tick = Signal.Every(TimeSpan.FromMilliseconds(200));
            await Wait.UntilAsync(
                async () =>
                {
                    using var ready = await Http.GetAsync($"http://127.0.0.1:{gate.Port}/health/ready", cancel);
                    return ready.IsSuccessStatusCode;
                },
                tick, TimeSpan.FromSeconds(120), $"{gate.Label} ready", cancel);
        }
    }

    private GateProcess Gate(string label)
    {
        var gate = new GateProcess(label, folder, Kafka.BootstrapServers, applicationId, 4, Path.Combine(folder, label + "-state"));
        gate.Environment[$"Api__Keys__{AcmeKey}"] = "ACME";
        gate.Environment[$"Api__Keys__{BetaKey}"] = "BETA";
        gate.Environment[$"Api__Keys__{LimitKey}"] = "BETA";
        gate.Environment["Api__RequestsPerSecond"] = "50";
        // Outside Development, peers need a secret to sign forwarded queries with.
        gate.Environment["Api__PeerSecret"] = "api-tests-peer-secret-0123456789abcdef";
        return gate;
    }

    public ValueTask DisposeAsync()
    {
        First?.Dispose();
        Second?.Dispose();
        Kafka?.Dispose();
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
