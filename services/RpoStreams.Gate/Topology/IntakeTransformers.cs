using Avro.Specific;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Reads one input topic: decodes each value, checks it, normalizes its subject and finds the subject's
/// partition (<see cref="SubjectPlacement"/>). A record read in that partition is handled there; any other
/// goes there through the subject-events topic. Anything unreadable becomes a dead letter with topic,
/// partition, offset and the reason. Nothing here throws on bad input.
/// </summary>
public abstract class IntakeTransformer<T> : ITransformer<byte[], byte[], string, SubjectInput> where T : class, ISpecificRecord
{
    private ProcessorContext<string, SubjectInput> context = null!;
    private RecordDecoder<T> decoder = null!;

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

    public void Init(ProcessorContext<string, SubjectInput> context)
    {
        this.context = context;
        decoder = new RecordDecoder<T>(SerDes, Options.Intake.MaxRecordBytes);
    }

    /// <summary>The normalized subject, or null when it cannot be normalized as <paramref name="type"/>.</summary>
    protected static NormalizedSubject? Normalize(string? raw, SubjectType type) =>
        SubjectNormalizer.TryNormalize(raw, type, out var subject) ? subject : null;

    /// <summary>
    /// One input record to one event or one dead letter. Whatever fails here concerns this record alone, so a failure the
    /// checks did not foresee makes it a dead letter too: thrown out of the task, it would stop the partition, and every
    /// restart would read it again. A schema registry that cannot be asked is not the record's fault: that stops the
    /// task, which reads the record again after a restart (docs/reliability.md).
    /// </summary>
    public Record<string, SubjectInput>? Process(Record<byte[], byte[]> record)
    {
        try
        {
            return Intake(record);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or SchemaRegistryUnreachableException))
        {
            // The type only: an exception's message may quote the record.
            return Dead(record, $"{What}: could not be read ({e.GetType().Name})");
        }
    }

    private Record<string, SubjectInput>? Intake(Record<byte[], byte[]> record)
    {
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
        var (kind, subject, placementKey) = accepted.Value;
        var subjectRef = subject is { } s ? Options.Hasher.RefOf(s) : null;
        var partition = context.Partition.Value;
        var target = placementKey is null ? partition : SubjectPlacement.PartitionOf(placementKey, Options.Partitions);
        var ev = new SubjectEvent
        {
            kind = kind,
            subjectRef = subjectRef,
            eventTime = eventTime.ToAvro(),
            payload = record.Value,
            sourcePartition = partition,
            sourceOffset = context.Offset,
            targetPartition = target,
        };
        var here = target == partition;
        if (!here)
        {
            Options.Metrics?.Relocated(Topic);
            // subject-events is a topic like any other: what crosses it names its subject by subjectRef alone (the subject
            // task never reads the subject itself), and holds none of the fields a newer producer schema adds, so no
            // internal topic holds a raw number or address. The record keeps its producer's schema and id: nothing is
            // registered under, or looked up in, the producers' subjects.
            ev.payload = SerDes.Scrubbed(record.Value, "subject", string.Empty);
        }
        return Record<string, SubjectInput>.Create(subjectRef ?? placementKey ?? string.Empty, new SubjectInput { Event = ev, Record = value, Here = here }, InputHeaders.TraceOnly(record.Headers));
    }

    public void Close()
    {
    }

    /// <summary>Field checks beyond the schema; null when the record is acceptable.</summary>
    protected abstract string? Check(T value);

    protected abstract Instant EventTimeOf(T value);

    /// <summary>
    /// The kind of event, the normalized subject (null when it cannot be normalized) and the key that places
    /// it (the normalized subject, an intentId, or null to handle it where it was read); null with an error
    /// when the record is a dead letter.
    /// </summary>
    protected abstract (SubjectEventKind Kind, NormalizedSubject? Subject, string? PlacementKey)? Accept(T value, out string? problem);

    /// <summary>A register or consent update: its subject must be normalizable.</summary>
    protected static (SubjectEventKind, NormalizedSubject?, string?)? Subject(SubjectEventKind kind, string raw, SubjectType type, out string? problem)
    {
        var subject = Normalize(raw, type);
        problem = subject is null ? $"subject cannot be normalized as a {type}" : null;
        return subject is null ? null : (kind, subject, subject.Value.Value);
    }

    /// <summary>The first identifier longer than <see cref="InputLimits.Id"/>, as an error; null when none is.</summary>
    protected static string? Ids(params ReadOnlySpan<(string Field, string? Value)> ids)
    {
        foreach (var (field, value) in ids)
        {
            if ((InputLimits.TooLong(field, value, InputLimits.Id) ?? InputLimits.Garbled(field, value)) is { } error)
            {
                return error;
            }
        }
        return null;
    }

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
            return $"event time {PolicyTime.Text(eventTime)} is outside the accepted range [{PolicyTime.Text(earliest)}, {PolicyTime.Text(latest)}) (Intake:EarliestEventTime, Intake:LatestEventTime)";
        }
        if (recordTimestamp.Type != TimestampType.NotAvailable && recordTimestamp.UnixTimestampMs > Instant.MaxValue.ToUnixTimeMilliseconds())
        {
            return $"the record's timestamp ({recordTimestamp.UnixTimestampMs} ms) is not a time the gate can hold";
        }
        if (Options.Intake.ProducedAt(recordTimestamp, Options.WallClock?.GetCurrentInstant()) is not { } produced)
        {
            return null;
        }
        if (Options.Intake.TooFarAhead(eventTime, produced))
        {
            return $"event time {PolicyTime.Text(eventTime)} is more than {Options.Intake.MaxFutureSkewDays} days after the record was produced (Intake:MaxFutureSkewDays)";
        }
        if (BoundPastSkew && Options.Intake.TooFarBehind(eventTime, produced))
        {
            return $"event time {PolicyTime.Text(eventTime)} is more than {Options.Intake.MaxPastSkewDays} days before the record was produced (Intake:MaxPastSkewDays)";
        }
        return null;
    }

    private Record<string, SubjectInput> Dead(Record<byte[], byte[]> record, string error)
    {
        var letter = Options.DeadLetterOf(
            context.Topic ?? Topic, context.Partition.Value, context.Offset, error,
            record.Key, record.Value, record.Timestamp.UnixTimestampMs, record.Headers);
        return Record<string, SubjectInput>.Create(string.Empty, SubjectInput.Dead(letter), InputHeaders.TraceOnly(record.Headers));
    }
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

    protected override AvroSerDes<RegisterUpdate> SerDes => Options.Serdes.RegisterUpdate;

    protected override string? Check(RegisterUpdate value) =>
        Defined(value.subjectType, "subjectType") ?? Defined(value.action, "action")
        ?? InputLimits.SubjectTooLong("subject", value.subject, value.subjectType) ?? InputLimits.TooLong("feedId", value.feedId, InputLimits.Id)
        ?? Required(value.subject, "subject");

    protected override Instant EventTimeOf(RegisterUpdate value) => value.effectiveAt.ToInstant();

    protected override (SubjectEventKind, NormalizedSubject?, string?)? Accept(RegisterUpdate value, out string? problem) =>
        Subject(SubjectEventKind.REGISTER_UPDATE, value.subject, value.subjectType, out problem);
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

    protected override AvroSerDes<ConsentEvent> SerDes => Options.Serdes.ConsentEvent;

    protected override string? Check(ConsentEvent value) =>
        Defined(value.subjectType, "subjectType") ?? Defined(value.action, "action") ?? Defined(value.basis, "basis")
        ?? InputLimits.SubjectTooLong("subject", value.subject, value.subjectType) ?? Ids(("companyId", value.companyId))
        ?? Required(value.subject, "subject")
        ?? Required(value.companyId, "companyId")
        ?? (value.action == ConsentAction.GRANTED && value.basis is null ? "'basis' is required when GRANTED" : null);

    protected override Instant EventTimeOf(ConsentEvent value) => value.at.ToInstant();

    protected override (SubjectEventKind, NormalizedSubject?, string?)? Accept(ConsentEvent value, out string? problem) =>
        Subject(SubjectEventKind.CONSENT, value.subject, value.subjectType, out problem);
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

    protected override AvroSerDes<CallIntent> SerDes => Options.Serdes.CallIntent;

    protected override bool BoundPastSkew => true;

    protected override string? Check(CallIntent value) =>
        Defined(value.channel, "channel") ?? Defined(value.purpose, "purpose")
        ?? InputLimits.SubjectTooLong("subject", value.subject, SubjectNormalizer.TypeOf(value.channel))
        ?? Ids(("intentId", value.intentId), ("companyId", value.companyId), ("callCenterId", value.callCenterId), ("campaignId", value.campaignId))
        ?? InputLimits.TooLong("callerId", value.callerId, InputLimits.CallerId)
        ?? Required(value.intentId, "intentId") ?? Required(value.companyId, "companyId") ?? Required(value.callCenterId, "callCenterId");

    protected override Instant EventTimeOf(CallIntent value) => value.scheduledAt.ToInstant();

    /// <summary>An intent whose subject cannot be normalized is still decided (INVALID_SUBJECT), in the partition of its intentId.</summary>
    protected override (SubjectEventKind, NormalizedSubject?, string?)? Accept(CallIntent value, out string? problem)
    {
        problem = null;
        var subject = Normalize(value.subject, SubjectNormalizer.TypeOf(value.channel));
        return (SubjectEventKind.INTENT, subject, subject?.Value ?? value.intentId);
    }
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

    protected override AvroSerDes<CallAttempt> SerDes => Options.Serdes.CallAttempt;

    protected override bool BoundPastSkew => true;

    protected override string? Check(CallAttempt value) =>
        InputLimits.SubjectTooLong("subject", value.subject, SubjectType.PHONE)
        ?? Ids(("attemptId", value.attemptId), ("intentId", value.intentId), ("companyId", value.companyId), ("callCenterId", value.callCenterId), ("campaignId", value.campaignId))
        ?? InputLimits.TooLong("callerId", value.callerId, InputLimits.CallerId)
        ?? Required(value.attemptId, "attemptId") ?? Required(value.companyId, "companyId") ?? Required(value.callCenterId, "callCenterId");

    protected override Instant EventTimeOf(CallAttempt value) => value.startedAt.ToInstant();

    /// <summary>An attempt whose number cannot be normalized meets its intent in the partition of the intentId (naming none, it is judged where it is read).</summary>
    protected override (SubjectEventKind, NormalizedSubject?, string?)? Accept(CallAttempt value, out string? problem)
    {
        problem = null;
        var subject = Normalize(value.subject, SubjectType.PHONE);
        return (SubjectEventKind.ATTEMPT, subject, subject?.Value ?? (string.IsNullOrEmpty(value.intentId) ? null : value.intentId));
    }
}
