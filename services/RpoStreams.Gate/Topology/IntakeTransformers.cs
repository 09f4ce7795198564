using Avro.Specific;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Contracts.Subjects;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Reads one input topic: decodes each value, checks it, normalizes its subject and re-keys it by
/// subjectRef as a <see cref="SubjectEvent"/>; anything unreadable becomes a dead letter with topic,
/// partition, offset and the reason. Nothing here throws on bad input.
/// </summary>
public abstract class IntakeTransformer<T> : ITransformer<byte[], byte[], string, Intake> where T : class, ISpecificRecord
{
    private ProcessorContext<string, Intake> context = null!;
    private RecordDecoder<T> decoder = null!;
    private InputPositions positions = null!;

    protected IntakeTransformer(GateTopologyOptions? options)
    {
        Options = options!;
    }

    protected GateTopologyOptions Options { get; }

    /// <summary>The topic this step reads.</summary>
    protected abstract string Topic { get; }

    /// <summary>Short name used in error texts ("intent", "register update", ...).</summary>
    protected abstract string What { get; }

    protected abstract AvroSerDes<T> SerDes { get; }

    /// <summary>Whether the event time may lie far before the record's Kafka timestamp (register and consent history may).</summary>
    protected virtual bool BoundPastSkew => false;

    public void Init(ProcessorContext<string, Intake> context)
    {
        this.context = context;
        decoder = new RecordDecoder<T>(SerDes, Options.Intake.MaxRecordBytes);
        positions = new InputPositions(context, StoreNames.IntakePositions, StoreNames.IntakeCommits, Options.GuardInputPositions);
    }

    /// <summary>The subjectRef of a raw subject, or null when it cannot be normalized as <paramref name="type"/>.</summary>
    protected string? RefOf(string? raw, SubjectType type) =>
        SubjectNormalizer.TryNormalize(raw, type, out var subject) ? Options.Hasher.RefOf(subject) : null;

    public Record<string, Intake>? Process(Record<byte[], byte[]> record)
    {
        var (topic, partition, offset) = (context.Topic, context.Partition.Value, context.Offset);
        return positions.Begin(topic, partition, offset) ? Read(record) : null;
    }

    private Record<string, Intake> Read(Record<byte[], byte[]> record)
    {
        if (record.Key is null || ReferenceEquals(record.Key, IntakeKeys.Null))
        {
            return Dead(record, $"{What}: key is null; {KeyAdvice}");
        }
        var value = decoder.TryDecode(record.Value, Topic, out var error);
        if (value is null)
        {
            return Dead(record, $"{What}: {error}");
        }
        error = Check(value);
        if (error != null)
        {
            return Dead(record, $"{What}: {error}");
        }
        var eventTime = EventTimeOf(value);
        error = CheckTime(eventTime, record.Timestamp);
        if (error != null)
        {
            return Dead(record, $"{What}: {error}");
        }
        var accepted = Accept(value, out error);
        if (accepted is null)
        {
            return Dead(record, $"{What}: {error}");
        }
        var (key, kind, subjectRef) = accepted.Value;
        var ev = new SubjectEvent
        {
            kind = kind,
            subjectRef = subjectRef,
            eventTime = eventTime.ToAvro(),
            payload = record.Value,
            sourcePartition = context.Partition.Value,
            sourceOffset = context.Offset,
        };
        return Record<string, Intake>.Create(key, new Intake { Event = ev }, record.Headers);
    }

    public void Close()
    {
    }

    /// <summary>What a producer should key this topic by.</summary>
    protected abstract string KeyAdvice { get; }

    /// <summary>Field checks beyond the schema; null when the record is acceptable.</summary>
    protected abstract string? Check(T value);

    protected abstract Instant EventTimeOf(T value);

    /// <summary>The key and kind of the subject event, or null with an error (the record is a dead letter).</summary>
    protected abstract (string Key, SubjectEventKind Kind, string? SubjectRef)? Accept(T value, out string? problem);

    protected static string? Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? $"'{field}' is empty" : null;

    /// <summary>Avro's reader does not reject an enum index past the symbols; the gate does.</summary>
    protected static string? Defined<TEnum>(TEnum value, string field) where TEnum : struct, Enum =>
        Enum.IsDefined(value) ? null : $"value is not a readable record: '{field}' has no symbol {Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)}";

    protected static string? Defined<TEnum>(TEnum? value, string field) where TEnum : struct, Enum =>
        value is { } v ? Defined(v, field) : null;

    private string? CheckTime(Instant eventTime, Timestamp recordTimestamp)
    {
        var (earliest, latest) = (Options.Intake.Earliest, Options.Intake.Latest);
        if (eventTime < earliest || eventTime >= latest)
        {
            return $"event time {eventTime} is outside the accepted range [{earliest}, {latest}) (Intake:EarliestEventTime, Intake:LatestEventTime)";
        }
        if (recordTimestamp.Type == TimestampType.NotAvailable || recordTimestamp.UnixTimestampMs <= 0)
        {
            return null;
        }
        var produced = Instant.FromUnixTimeMilliseconds(recordTimestamp.UnixTimestampMs);
        if (eventTime - produced > Duration.FromDays(Options.Intake.MaxFutureSkewDays))
        {
            return $"event time {eventTime} is more than {Options.Intake.MaxFutureSkewDays} days after the record was produced (Intake:MaxFutureSkewDays)";
        }
        if (BoundPastSkew && produced - eventTime > Duration.FromDays(Options.Intake.MaxPastSkewDays))
        {
            return $"event time {eventTime} is more than {Options.Intake.MaxPastSkewDays} days before the record was produced (Intake:MaxPastSkewDays)";
        }
        return null;
    }

    private Record<string, Intake> Dead(Record<byte[], byte[]> record, string error)
    {
        var letter = Options.DeadLetterOf(
            context.Topic ?? Topic, context.Partition.Value, context.Offset, error,
            ReferenceEquals(record.Key, IntakeKeys.Null) ? null : record.Key, record.Value, record.Timestamp.UnixTimestampMs);
        return Record<string, Intake>.Create(string.Empty, new Intake { DeadLetter = letter }, record.Headers);
    }
}

/// <summary>Marks a record that arrived without a key (compared by reference, never by content).</summary>
public static class IntakeKeys
{
    // A private instance: never the array any deserializer returns, whatever the producer sent.
    public static readonly byte[] Null = new byte[1];
}

/// <summary>Reads <c>rpo.register.updates.v1</c>.</summary>
public sealed class RegisterIntake : IntakeTransformer<RegisterUpdate>
{
    public RegisterIntake() : base(null)
    {
    }

    public RegisterIntake(GateTopologyOptions options) : base(options)
    {
    }

    protected override string Topic => TopicNames.RegisterUpdates;

    protected override string What => "register update";

    protected override string KeyAdvice => "key register updates by the subject as published";

    protected override AvroSerDes<RegisterUpdate> SerDes => Options.Serdes.RegisterUpdate;

    protected override string? Check(RegisterUpdate value) =>
        Defined(value.subjectType, "subjectType") ?? Defined(value.action, "action") ?? Required(value.subject, "subject");

    protected override Instant EventTimeOf(RegisterUpdate value) => value.effectiveAt.ToInstant();

    protected override (string, SubjectEventKind, string?)? Accept(RegisterUpdate value, out string? problem)
    {
        var subjectRef = RefOf(value.subject, value.subjectType);
        problem = subjectRef is null ? $"subject cannot be normalized as a {value.subjectType}" : null;
        return subjectRef is null ? null : (subjectRef, SubjectEventKind.REGISTER_UPDATE, subjectRef);
    }
}

/// <summary>Reads <c>rpo.consents.v1</c>.</summary>
public sealed class ConsentIntake : IntakeTransformer<ConsentEvent>
{
    public ConsentIntake() : base(null)
    {
    }

    public ConsentIntake(GateTopologyOptions options) : base(options)
    {
    }

    protected override string Topic => TopicNames.Consents;

    protected override string What => "consent";

    protected override string KeyAdvice => "key consents by the subject as published";

    protected override AvroSerDes<ConsentEvent> SerDes => Options.Serdes.ConsentEvent;

    protected override string? Check(ConsentEvent value) =>
        Defined(value.subjectType, "subjectType") ?? Defined(value.action, "action") ?? Defined(value.basis, "basis")
        ?? Required(value.subject, "subject")
        ?? Required(value.companyId, "companyId")
        ?? (value.action == ConsentAction.GRANTED && value.basis is null ? "'basis' is required when GRANTED" : null);

    protected override Instant EventTimeOf(ConsentEvent value) => value.at.ToInstant();

    protected override (string, SubjectEventKind, string?)? Accept(ConsentEvent value, out string? problem)
    {
        var subjectRef = RefOf(value.subject, value.subjectType);
        problem = subjectRef is null ? $"subject cannot be normalized as a {value.subjectType}" : null;
        return subjectRef is null ? null : (subjectRef, SubjectEventKind.CONSENT, subjectRef);
    }
}

/// <summary>Reads <c>calls.intents.v1</c>. An intent whose subject cannot be normalized is still decided (INVALID_SUBJECT).</summary>
public sealed class IntentIntake : IntakeTransformer<CallIntent>
{
    public IntentIntake() : base(null)
    {
    }

    public IntentIntake(GateTopologyOptions options) : base(options)
    {
    }

    protected override string Topic => TopicNames.Intents;

    protected override string What => "intent";

    protected override string KeyAdvice => "key intents by anything stable, the intentId for example";

    protected override AvroSerDes<CallIntent> SerDes => Options.Serdes.CallIntent;

    protected override bool BoundPastSkew => true;

    protected override string? Check(CallIntent value) =>
        Defined(value.channel, "channel") ?? Defined(value.purpose, "purpose")
        ?? Required(value.intentId, "intentId") ?? Required(value.companyId, "companyId") ?? Required(value.callCenterId, "callCenterId");

    protected override Instant EventTimeOf(CallIntent value) => value.scheduledAt.ToInstant();

    protected override (string, SubjectEventKind, string?)? Accept(CallIntent value, out string? problem)
    {
        problem = null;
        var subjectRef = RefOf(value.subject, SubjectNormalizer.TypeOf(value.channel));
        return (subjectRef ?? UnnormalizedKey(value.intentId), SubjectEventKind.INTENT, subjectRef);
    }

    /// <summary>Key of an intent or attempt whose subject cannot be normalized: by intent, so its attempts meet its decision.</summary>
    internal static string UnnormalizedKey(string id) => "unnormalized:" + id;
}

/// <summary>Reads <c>calls.attempts.v1</c>.</summary>
public sealed class AttemptIntake : IntakeTransformer<CallAttempt>
{
    public AttemptIntake() : base(null)
    {
    }

    public AttemptIntake(GateTopologyOptions options) : base(options)
    {
    }

    protected override string Topic => TopicNames.Attempts;

    protected override string What => "attempt";

    protected override string KeyAdvice => "key attempts by anything stable, the attemptId for example";

    protected override AvroSerDes<CallAttempt> SerDes => Options.Serdes.CallAttempt;

    protected override bool BoundPastSkew => true;

    protected override string? Check(CallAttempt value) =>
        Required(value.attemptId, "attemptId") ?? Required(value.companyId, "companyId") ?? Required(value.callCenterId, "callCenterId");

    protected override Instant EventTimeOf(CallAttempt value) => value.startedAt.ToInstant();

    protected override (string, SubjectEventKind, string?)? Accept(CallAttempt value, out string? problem)
    {
        problem = null;
        var subjectRef = RefOf(value.subject, SubjectType.PHONE);
        return (subjectRef ?? IntentIntake.UnnormalizedKey(value.intentId ?? value.attemptId), SubjectEventKind.ATTEMPT, subjectRef);
    }
}
