using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Keeps the global consultation store: per feed the consultation with the greatest consultedAt, and
/// under <see cref="StoreNames.LatestConsultationKey"/> the greatest of all feeds, so a decision reads
/// the latest consultation with one lookup. Unreadable consultations are published as dead letters.
/// </summary>
public sealed class ConsultationUpdater : IProcessor<string, byte[]>
{
    private readonly GateTopologyOptions options;
    private ProcessorContext<string, byte[]> context = null!;
    private IKeyValueStore<string, byte[]> store = null!;
    private ConsultationReader reader = null!;
    private RecordDecoder<RegisterConsultation> decoder = null!;

    public ConsultationUpdater()
    {
        options = null!;
    }

    public ConsultationUpdater(GateTopologyOptions options)
    {
        this.options = options;
    }

    public void Init(ProcessorContext<string, byte[]> context)
    {
        this.context = context;
        store = (IKeyValueStore<string, byte[]>)context.GetStateStore(StoreNames.Consultations);
        reader = new ConsultationReader(store, options.Serdes);
        decoder = new RecordDecoder<RegisterConsultation>(options.Serdes.RegisterConsultation, options.Intake.MaxRecordBytes);
    }

    public void Process(Record<string, byte[]> record)
    {
        var consultation = decoder.TryDecode(record.Value, TopicNames.RegisterConsultations, out var error);
        if (consultation is null)
        {
            DeadLetter(record, $"consultation: {error}");
            return;
        }
        if ((InputLimits.TooLong("key", record.Key, InputLimits.Id) ?? InputLimits.TooLong("feedId", consultation.feedId, InputLimits.Id)
            ?? InputLimits.TooLong("registerVersion", consultation.registerVersion, InputLimits.Id)) is { } tooLong)
        {
            DeadLetter(record, $"consultation: {tooLong}");
            return;
        }
        var at = consultation.consultedAt.ToInstant();
        if (at < options.Intake.Earliest || at >= options.Intake.Latest)
        {
            DeadLetter(record, $"consultation: consultedAt {PolicyTime.Text(at)} is outside the accepted range");
            return;
        }
        // A consultation dated after its own report would keep the register fresh for as long: fail closed instead.
        // Checked against the record's timestamp, so every instance and every restart agree, but never later than the
        // gate's clock allows (as intake caps an arrival): a producer that stamps its record as far ahead as the date it
        // claims would otherwise keep the register fresh until then. The clock alone for a record without a timestamp.
        var produced = options.Intake.ProducedAt(record.Timestamp, options.WallClock?.GetCurrentInstant());
        if (produced is { } sent && at - sent > Duration.FromMinutes(options.Intake.MaxClockAheadMinutes))
        {
            DeadLetter(record, $"consultation: consultedAt {PolicyTime.Text(at)} is more than {options.Intake.MaxClockAheadMinutes} minutes after the record was produced ({PolicyTime.Text(sent)}): a consultation cannot be reported before it happens (Intake:MaxClockAheadMinutes)");
            return;
        }
        var feed = string.IsNullOrEmpty(record.Key) ? consultation.feedId ?? "default" : record.Key;
        var current = reader.Read(feed);
        if (current == null || current.consultedAt <= consultation.consultedAt)
        {
            store.Put(feed, record.Value);
        }
        var latest = reader.Latest();
        if (latest == null || latest.consultedAt <= consultation.consultedAt)
        {
            store.Put(StoreNames.LatestConsultationKey, record.Value);
        }
    }

    public void Close()
    {
    }

    private void DeadLetter(Record<string, byte[]> record, string error)
    {
        var letter = options.DeadLetterOf(
            TopicNames.RegisterConsultations, context.Partition.Value, context.Offset, error,
            record.Key is null ? null : System.Text.Encoding.UTF8.GetBytes(record.Key), record.Value, record.Timestamp.UnixTimestampMs, record.Headers);
        options.GlobalDeadLetters?.Publish(letter.sealedKey, letter);
    }
}

/// <summary>
/// Reads consultations from the global store, which keeps their original wire-format bytes; the last
/// decoded value is reused while the stored bytes do not change, so a decision costs one lookup. Safe to
/// share between threads (the check API, the dashboard and the metrics read one reader): the bytes and
/// their value are swapped together.
/// </summary>
public sealed class ConsultationReader
{
    private readonly IReadOnlyKeyValueStore<string, byte[]>? store;
    private readonly RecordSerdes serdes;
    private Decoded? last;

    public ConsultationReader(IReadOnlyKeyValueStore<string, byte[]>? store, RecordSerdes serdes)
    {
        this.store = store;
        this.serdes = serdes;
    }

    /// <summary>The latest consultation of all feeds, or null when there has been none.</summary>
    public RegisterConsultation? Latest() => Read(StoreNames.LatestConsultationKey);

    public RegisterConsultation? Read(string key)
    {
        var bytes = store?.Get(key);
        if (bytes is null)
        {
            return null;
        }
        var seen = Volatile.Read(ref last);
        if (seen != null && bytes.AsSpan().SequenceEqual(seen.Bytes))
        {
            return seen.Value;
        }
        var value = serdes.RegisterConsultation.Deserialize(bytes, new Confluent.Kafka.SerializationContext(Confluent.Kafka.MessageComponentType.Value, TopicNames.RegisterConsultations));
        Volatile.Write(ref last, new Decoded(bytes, value));
        return value;
    }

    /// <summary>The moment of the latest consultation of all feeds, or null.</summary>
    public Instant? LatestAt() => Latest()?.consultedAt.ToInstant();

    private sealed record Decoded(byte[] Bytes, RegisterConsultation Value);
}
