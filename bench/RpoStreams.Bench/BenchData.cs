using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Records;

namespace RpoStreams.Bench;

/// <summary>
/// The bench's data, made once and used by the gate and the ceiling alike: the register (and the consents
/// given after registration) from <see cref="SyntheticTraffic"/>, as <c>rpo simulate</c> sends it, and
/// intents serialized once to the bytes both read from <c>calls.intents.v1</c>. Also the register as the
/// ceiling's lookup table, keyed by the same subjectRef the gate's store uses.
/// </summary>
internal sealed class BenchData
{
    /// <summary>Share of registered numbers that gave one company consent after registering (as <c>rpo simulate</c>).</summary>
    private const double ConsentShare = 0.05;

    private readonly RecordSerdes serdes;
    private readonly PolicyRules rules;
    private readonly SubjectHasher hasher;

    public BenchData(RecordSerdes serdes, PolicyRules rules, SubjectHasher hasher, Instant now)
    {
        this.serdes = serdes;
        this.rules = rules;
        this.hasher = hasher;
        Now = now;
    }

    public Instant Now { get; }

    /// <summary>Numbers the intents are drawn from (registered and not); about 30 % of them are registered.</summary>
    public long Population { get; private set; } = 1000;

    public long Registered { get; private set; }

    public long Consents { get; private set; }

    /// <summary>The ceiling's view of the register: subjectRef → register facts.</summary>
    public Dictionary<string, RegisterFacts> RegisterTable { get; } = new(StringComparer.Ordinal);

    /// <summary>The ceiling's view of consents: subjectRef → (company, consent).</summary>
    public Dictionary<string, (string Company, ConsentFacts Consent)> ConsentTable { get; } = new(StringComparer.Ordinal);

    private SyntheticTraffic? registerFeed;
    private long cursor;

    /// <summary>
    /// Produces <paramref name="subjects"/> more REGISTERED updates (a fresh consultation first) with the
    /// consents given after registration, and fills the ceiling's tables. Returns the consents produced.
    /// </summary>
    public long ProduceRegister(IProducer<string?, byte[]> producer, long subjects)
    {
        if (registerFeed is null)
        {
            registerFeed = new SyntheticTraffic(1, rules, registerShare: 0.30, runId: "bench");
            var consultation = registerFeed.Consultation(Now);
            Produce(producer, TopicNames.RegisterConsultations, consultation.feedId, serdes.RegisterConsultation.Serialize(consultation, Ctx(TopicNames.RegisterConsultations)));
        }
        var traffic = registerFeed;
        var goal = Registered + subjects;
        long consents = 0;
        while (Registered < goal)
        {
            var i = cursor++;
            if (!traffic.IsRegistered(i))
            {
                continue;
            }
            var (subjectRef, update, consent) = Subject(traffic, i);
            Produce(producer, TopicNames.RegisterUpdates, update.subject, serdes.RegisterUpdate.Serialize(update, Ctx(TopicNames.RegisterUpdates)));
            var at = update.effectiveAt.ToInstant();
            RegisterTable[subjectRef] = new RegisterFacts(RegisterAction.REGISTERED, at, at);
            Registered++;
            if (consent is not null)
            {
                Produce(producer, TopicNames.Consents, consent.subject, serdes.ConsentEvent.Serialize(consent, Ctx(TopicNames.Consents)));
                ConsentTable[subjectRef] = (consent.companyId, new ConsentFacts(consent.action, consent.basis, consent.at.ToInstant(), consent.contractEndedAt?.ToInstant()));
                Consents++;
                consents++;
            }
        }
        Population = Math.Max(cursor, 1000);
        return consents;
    }

    /// <summary>The register produced so far, subject by subject: its update and the consent given after it, if any.</summary>
    public IEnumerable<(string SubjectRef, RegisterUpdate Update, ConsentEvent? Consent)> RegisterRecords()
    {
        var traffic = new SyntheticTraffic(1, rules, registerShare: 0.30, runId: "bench");
        for (long i = 0; i < cursor; i++)
        {
            if (traffic.IsRegistered(i))
            {
                yield return Subject(traffic, i);
            }
        }
    }

    private (string SubjectRef, RegisterUpdate Update, ConsentEvent? Consent) Subject(SyntheticTraffic traffic, long i)
    {
        var update = traffic.Registration(i, Now);
        var consent = SyntheticTraffic.ConsentsAfterRegistration(i, ConsentShare) ? traffic.ConsentAfterRegistration(i, Now) : null;
        // Number(i) is E.164 already: normalizing it gives it back, so the ref is the gate's.
        return (hasher.RefOf(new NormalizedSubject(SubjectType.PHONE, update.subject)), update, consent);
    }

    /// <summary><paramref name="count"/> intents over the population, serialized once, keyed by the input contract (the normalized subject).</summary>
    public List<(string Key, byte[] Value, string IntentId)> Intents(int seed, string runId, long count)
    {
        var traffic = new SyntheticTraffic(seed, rules, registerShare: 0.30, runId: runId);
        var list = new List<(string, byte[], string)>((int)count);
        var ctx = Ctx(TopicNames.Intents);
        for (long n = 0; n < count; n++)
        {
            var intent = traffic.Intent(Population, Now);
            list.Add((TrafficProducer.KeyOf(intent.subject, SubjectNormalizer.TypeOf(intent.channel), intent.intentId), serdes.CallIntent.Serialize(intent, ctx), intent.intentId));
        }
        return list;
    }

    public static SerializationContext Ctx(string topic) => new(MessageComponentType.Value, topic);

    /// <summary>A producer for preloading: idempotent, batching (as <c>rpo simulate</c>), silent.</summary>
    public static IProducer<string?, byte[]> Loader(string bootstrap) =>
        new ProducerBuilder<string?, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = "rpo-bench-loader",
            EnableIdempotence = true,
            LingerMs = 20,
            BatchSize = 512 * 1024,
            QueueBufferingMaxMessages = 500_000,
            // The input key contract: murmur2, as the Java client (docs/integration.md).
            Partitioner = Partitioner.Murmur2Random,
        }).SetLogHandler((_, _) => { }).Build();

    /// <summary>Produces, waiting for room when the local queue is full; failed deliveries are counted in <see cref="Failures"/>, every delivery also goes to <paramref name="delivered"/>.</summary>
    public static void Produce(IProducer<string?, byte[]> producer, string topic, string? key, byte[] value, Action<DeliveryReport<string?, byte[]>>? delivered = null)
    {
        var message = new Message<string?, byte[]> { Key = key, Value = value };
        Action<DeliveryReport<string?, byte[]>> handler = delivered is null ? Check : report =>
        {
            Check(report);
            delivered(report);
        };
        while (true)
        {
            try
            {
                producer.Produce(topic, message, handler);
                return;
            }
            catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    private static long failures;

    /// <summary>Deliveries that failed since start (the bench checks it after each flush of the register).</summary>
    public static long Failures => Interlocked.Read(ref failures);

    private static void Check(DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref failures);
        }
    }
}
