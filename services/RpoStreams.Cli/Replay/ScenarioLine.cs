using System.Text.Json;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Cli.Replay;

/// <summary>One parsed line of a scenario file (DESIGN section 4).</summary>
public abstract record ScenarioInput(Instant EventTime)
{
    /// <summary>The line's optional <c>arrivedAt</c>: when the record reached Kafka.</summary>
    public Instant? ArrivedAt { get; init; }

    /// <summary>The record's arrival time (its Kafka timestamp in the service): <c>arrivedAt</c>, else its own event time.</summary>
    public Instant Arrival => ArrivedAt ?? EventTime;
}

public sealed record ConsultationInput(RegisterConsultation Value) : ScenarioInput(Value.consultedAt.ToInstant());

public sealed record RegisterInput(RegisterUpdate Value) : ScenarioInput(Value.effectiveAt.ToInstant());

public sealed record ConsentInput(ConsentEvent Value) : ScenarioInput(Value.at.ToInstant());

public sealed record IntentInput(CallIntent Value) : ScenarioInput(Value.scheduledAt.ToInstant());

public sealed record AttemptInput(CallAttempt Value) : ScenarioInput(Value.startedAt.ToInstant());

/// <summary>Why a scenario line cannot become an input record.</summary>
public sealed class ScenarioLineException(string message) : Exception(message);

/// <summary>
/// Turns a JSON line into the Avro record a producer would have written. A line that is not valid
/// JSON (a field given twice included), has an unknown type, lacks a required field, has an unknown enum value or an unreadable
/// timestamp throws <see cref="ScenarioLineException"/> with a message that names the field.
/// </summary>
public static class ScenarioLine
{
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    public static ScenarioInput Parse(string line)
    {
        JsonDocument doc;
        try
        {
            // Strict, as the check API's batches: a field given twice is not a silent choice of the last one.
            doc = JsonDocument.Parse(line, StrictJson);
        }
        catch (JsonException)
        {
            throw new ScenarioLineException("line is not valid JSON (or gives a field twice)");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ScenarioLineException("line is not a JSON object");
            }
            var type = OptionalString(root, "type", "line");
            var fields = new Fields(root, type ?? "line");
            ScenarioInput input = type switch
            {
                "consultation" => new ConsultationInput(new RegisterConsultation
                {
                    consultedAt = fields.Time("consultedAt"),
                    feedId = fields.Optional("feedId"),
                    registerVersion = fields.Optional("registerVersion"),
                }),
                "register" => new RegisterInput(new RegisterUpdate
                {
                    subject = fields.Required("subject"),
                    subjectType = fields.Enum<SubjectType>("subjectType"),
                    action = fields.Enum<RegisterAction>("action"),
                    effectiveAt = fields.Time("effectiveAt"),
                    feedId = fields.Optional("feedId"),
                }),
                "consent" => Consent(fields),
                "intent" => new IntentInput(new CallIntent
                {
                    intentId = fields.Required("intentId"),
                    companyId = fields.Required("companyId"),
                    callCenterId = fields.Required("callCenterId"),
                    campaignId = fields.Optional("campaignId"),
                    channel = fields.Enum<Channel>("channel"),
                    subject = fields.Required("subject"),
                    callerId = fields.Optional("callerId"),
                    purpose = fields.OptionalEnum<Purpose>("purpose") ?? Purpose.PROMOTIONAL,
                    scheduledAt = fields.Time("scheduledAt"),
                }),
                "attempt" => new AttemptInput(new CallAttempt
                {
                    attemptId = fields.Required("attemptId"),
                    intentId = fields.Optional("intentId"),
                    companyId = fields.Required("companyId"),
                    callCenterId = fields.Required("callCenterId"),
                    campaignId = fields.Optional("campaignId"),
                    subject = fields.Required("subject"),
                    callerId = fields.Optional("callerId"),
                    startedAt = fields.Time("startedAt"),
                }),
                null => throw new ScenarioLineException("line: 'type' is missing"),
                _ => throw new ScenarioLineException($"unknown type {Quoted(type)}(expected consultation, register, consent, intent or attempt)"),
            };
            return input with { ArrivedAt = fields.OptionalTime("arrivedAt")?.ToInstant() };
        }
    }

    /// <summary>
    /// An unknown type or enum value, quoted when it could be a misspelt one (letters and underscores), else not repeated:
    /// a value in the wrong field can be a number or an address.
    /// </summary>
    private static string Quoted(string? value) =>
        value is { Length: > 0 and <= 40 } && value.All(c => char.IsAsciiLetter(c) || c == '_') ? $"'{value}' " : string.Empty;

    private static ConsentInput Consent(Fields fields)
    {
        var consent = new ConsentEvent
        {
            subject = fields.Required("subject"),
            subjectType = fields.Enum<SubjectType>("subjectType"),
            companyId = fields.Required("companyId"),
            action = fields.Enum<ConsentAction>("action"),
            at = fields.Time("at"),
            contractEndedAt = fields.OptionalTime("contractEndedAt"),
        };
        consent.basis = consent.action == ConsentAction.GRANTED ? fields.Enum<ConsentBasis>("basis") : fields.OptionalEnum<ConsentBasis>("basis");
        return new ConsentInput(consent);
    }

    private static string? OptionalString(JsonElement root, string name, string what)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ScenarioLineException($"{what}: '{name}' must be a string");
    }

    private sealed class Fields(JsonElement root, string what)
    {
        public string Required(string name) =>
            OptionalString(root, name, what) is { } s ? s : throw new ScenarioLineException($"{what}: '{name}' is missing");

        public string? Optional(string name) => OptionalString(root, name, what);

        public T Enum<T>(string name) where T : struct, System.Enum =>
            OptionalEnum<T>(name) ?? throw new ScenarioLineException($"{what}: '{name}' is missing");

        public T? OptionalEnum<T>(string name) where T : struct, System.Enum
        {
            var text = Optional(name);
            if (text is null)
            {
                return null;
            }
            if (System.Enum.TryParse<T>(text, ignoreCase: false, out var value) && System.Enum.IsDefined(value) && !int.TryParse(text, out _))
            {
                return value;
            }
            throw new ScenarioLineException($"{what}: '{name}' has unknown value {Quoted(text)}(expected {string.Join(", ", System.Enum.GetNames<T>())})");
        }

        public DateTime Time(string name) =>
            OptionalTime(name) ?? throw new ScenarioLineException($"{what}: '{name}' is missing");

        public DateTime? OptionalTime(string name)
        {
            var text = Optional(name);
            if (text is null)
            {
                return null;
            }
            var parsed = PolicyTime.ParseOffsetTime(text);
            // The wire carries milliseconds: finer digits are cut, as a producer's conversion to epoch milliseconds
            // does, never rounded up (08:59:59.9999 is still before a 09:00 opening).
            return parsed.Success
                ? Instant.FromUnixTimeMilliseconds(parsed.Value.ToInstant().ToUnixTimeMilliseconds()).ToAvro()
                : throw new ScenarioLineException($"{what}: '{name}' is not an ISO-8601 timestamp with an offset");
        }
    }
}
