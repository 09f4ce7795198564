using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Cli.Replay;

/// <summary>
/// <c>rpo replay</c>: runs the gate's own topology in-process (Streamiz's TopologyTestDriver, no broker)
/// over a JSON Lines scenario and writes one JSON object per decision, alert and dead letter, in emission
/// order. Deterministic: no wall clock is read, so the same file always gives the same output. A line's
/// arrival (<c>arrivedAt</c>, else its event time) is its record's timestamp, so it is what moves stream
/// time. At the end of input stream time is advanced past every grace period so pending alerts come out.
/// </summary>
public sealed class ScenarioReplay
{
    /// <summary>Secret of subjectRef in replay: fixed, so output is the same everywhere.</summary>
    public const string ReplayHashSecret = "rpo-replay";

    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly OffsetDateTimePattern IsoWithOffset =
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFF<+HH:mm>".Replace("<+HH:mm>", "o<+HH:mm>", StringComparison.Ordinal));

    /// <summary>The application id of the replayed topology (its internal topics' prefix).</summary>
    public const string ApplicationId = "rpo-replay";

    private readonly PolicyRules rules;
    private readonly AlertSettings alerts;
    private readonly RecordSerdes? serdes;

    /// <summary>A replay under <paramref name="rules"/> and <paramref name="alerts"/> (the defaults without them), whose runs all use
    /// <paramref name="serdes"/> (without them, each run its own, over the local registry).</summary>
    public ScenarioReplay(PolicyRules? rules = null, AlertSettings? alerts = null, RecordSerdes? serdes = null)
    {
        this.rules = rules ?? PolicyRules.Default;
        this.alerts = alerts ?? new AlertSettings();
        this.serdes = serdes;
    }

    /// <summary>Replays <paramref name="lines"/> and writes each output object to <paramref name="emit"/>.</summary>
    public void Run(IEnumerable<string> lines, Action<JsonObject> emit)
    {
        var serdes = this.serdes ?? RecordSerdes.Local();
        var emitted = new Queue<string>();
        var rejectedConsultations = new RejectedConsultations();
        var options = new GateTopologyOptions
        {
            ApplicationId = ApplicationId,
            Partitions = 1,
            Rules = rules,
            Alerts = alerts,
            Serdes = serdes,
            Hasher = new SubjectHasher(ReplayHashSecret),
            WallClock = null,
            PersistentStores = true,
            OnEmit = emitted.Enqueue,
            GlobalDeadLetters = rejectedConsultations,
        };
        var stateDir = Path.Combine(Path.GetTempPath(), "rpo-replay-" + Guid.NewGuid().ToString("N"));
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = options.ApplicationId,
            StateDir = stateDir,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            Logger = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
        var strings = new StringSerDes();
        try
        {
            using var driver = new TopologyTestDriver(GateTopology.Build(options), config);
            var consultations = driver.CreateInputTopic(TopicNames.RegisterConsultations, strings, serdes.RegisterConsultation);
            var register = driver.CreateInputTopic(TopicNames.RegisterUpdates, strings, serdes.RegisterUpdate);
            var consents = driver.CreateInputTopic(TopicNames.Consents, strings, serdes.ConsentEvent);
            var intents = driver.CreateInputTopic(TopicNames.Intents, strings, serdes.CallIntent);
            var attempts = driver.CreateInputTopic(TopicNames.Attempts, strings, serdes.CallAttempt);
            var decisions = driver.CreateOutputTopic(TopicNames.Decisions, TimeSpan.Zero, strings, serdes.CallDecision);
            var alertsOut = driver.CreateOutputTopic(TopicNames.Alerts, TimeSpan.Zero, strings, serdes.ComplianceAlert);
            var deadLetters = driver.CreateOutputTopic(TopicNames.DeadLetters, TimeSpan.Zero, new ByteArraySerDes(), serdes.DeadLetter);

            var lineNumber = 0;
            var streamTime = Instant.MinValue;
            foreach (var raw in lines)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(raw))
                {
                    continue;
                }
                ScenarioInput input;
                try
                {
                    input = ScenarioLine.Parse(raw);
                }
                catch (ScenarioLineException e)
                {
                    emit(DeadLetterJson(lineNumber, e.Message, null));
                    continue;
                }
                // The record's Kafka timestamp is its arrival: what the gate's stream time is made of.
                var at = input.Arrival.ToDateTimeUtc();
                switch (input)
                {
                    case ConsultationInput c:
                        consultations.PipeInput(c.Value.feedId ?? "replay", c.Value, at);
                        break;
                    case RegisterInput r:
                        register.PipeInput(r.Value.subject, r.Value, at);
                        break;
                    case ConsentInput c:
                        consents.PipeInput(c.Value.subject, c.Value, at);
                        break;
                    case IntentInput i:
                        intents.PipeInput(i.Value.intentId, i.Value, at);
                        break;
                    case AttemptInput a:
                        attempts.PipeInput(a.Value.attemptId, a.Value, at);
                        break;
                }
                if (input is not ConsultationInput && input.Arrival > streamTime)
                {
                    streamTime = input.Arrival;
                }
                // A consultation is read by the global store, which publishes its dead letters itself (not to a topic of the topology).
                foreach (var letter in rejectedConsultations.Take())
                {
                    emit(DeadLetterJson(lineNumber, letter.error, letter.topic));
                }
                Drain(lineNumber, emitted, decisions, alertsOut, deadLetters, emit);
            }

            if (streamTime != Instant.MinValue)
            {
                // End of input: move stream time past every grace period, so pending alerts come out.
                var tickTopic = driver.CreateInputTopic(InternalTopics.Repartition(options.ApplicationId, RepartitionNames.SubjectEvents), strings, serdes.SubjectEvent);
                var tickAt = streamTime + Duration.FromSeconds(alerts.ClearanceGraceSeconds) + Duration.FromMilliseconds(1);
                tickTopic.PipeInput("tick", new SubjectEvent { kind = SubjectEventKind.TICK, eventTime = tickAt.ToAvro() }, tickAt.ToDateTimeUtc());
                Drain(lineNumber, emitted, decisions, alertsOut, deadLetters, emit);
            }
        }
        finally
        {
            if (Directory.Exists(stateDir))
            {
                Directory.Delete(stateDir, recursive: true);
            }
        }
    }

    /// <summary>
    /// Writes what the line sent, in the order the topology sent it (<paramref name="emitted"/> names each record's
    /// topic in turn; the driver keeps one list per topic).
    /// </summary>
    private void Drain(
        int line,
        Queue<string> emitted,
        TestOutputTopic<string, CallDecision> decisions,
        TestOutputTopic<string, ComplianceAlert> alertsOut,
        TestOutputTopic<byte[], DeadLetter> deadLetters,
        Action<JsonObject> emit)
    {
        var sent = new Dictionary<string, Queue<JsonObject>>(StringComparer.Ordinal)
        {
            [TopicNames.DeadLetters] = new(deadLetters.ReadValueList().Select(d => DeadLetterJson(line, d.error, d.topic))),
            [TopicNames.Decisions] = new(decisions.ReadValueList().Select(DecisionJson)),
            [TopicNames.Alerts] = new(alertsOut.ReadValueList().Select(AlertJson)),
        };
        while (emitted.TryDequeue(out var topic))
        {
            if (sent[topic].TryDequeue(out var output))
            {
                emit(output);
            }
        }
        // Nothing is left unless a record reached a topic without passing its tap; it is still written, never dropped.
        foreach (var output in sent.Values.SelectMany(q => q))
        {
            emit(output);
        }
    }

    /// <summary>ISO-8601 in the policy time zone, for example <c>2026-03-10T10:00:00+01:00</c>.</summary>
    private string Time(DateTime value) =>
        IsoWithOffset.Format(value.ToInstant().InZone(rules.Zone).ToOffsetDateTime());

    private JsonObject DecisionJson(CallDecision d) => new()
    {
        ["kind"] = "decision",
        ["intentId"] = d.intentId,
        ["outcome"] = d.outcome.ToString(),
        ["reasons"] = new JsonArray(d.reasons.Select(r => (JsonNode)JsonValue.Create(r.ToString())!).ToArray()),
        ["basis"] = d.basis?.ToString(),
        ["companyId"] = d.companyId,
        ["callCenterId"] = d.callCenterId,
        ["campaignId"] = d.campaignId,
        ["channel"] = d.channel.ToString(),
        ["purpose"] = d.purpose.ToString(),
        ["subjectRef"] = d.subjectRef,
        ["decidedAt"] = Time(d.decidedAt),
        ["policyVersion"] = d.policyVersion,
    };

    private JsonObject AlertJson(ComplianceAlert a) => new()
    {
        ["kind"] = "alert",
        ["alertId"] = a.alertId,
        ["type"] = a.type.ToString(),
        ["severity"] = a.severity.ToString(),
        ["companyId"] = a.companyId,
        ["callCenterId"] = a.callCenterId,
        ["campaignId"] = a.campaignId,
        ["intentId"] = a.intentId,
        ["attemptId"] = a.attemptId,
        ["subjectRef"] = a.subjectRef,
        ["detectedAt"] = Time(a.detectedAt),
        ["details"] = a.details,
    };

    private static JsonObject DeadLetterJson(int line, string error, string? topic)
    {
        var o = new JsonObject { ["kind"] = "deadletter", ["line"] = line, ["error"] = LogSafe.Text(error) };
        if (topic != null)
        {
            o["topic"] = topic;
        }
        return o;
    }

    /// <summary>The dead letters of the global consultation store, kept until the line that caused them is written.</summary>
    private sealed class RejectedConsultations : IDeadLetterPublisher
    {
        private readonly Queue<DeadLetter> letters = new();

        public void Publish(byte[]? key, DeadLetter deadLetter) => letters.Enqueue(deadLetter);

        public IEnumerable<DeadLetter> Take()
        {
            while (letters.TryDequeue(out var letter))
            {
                yield return letter;
            }
        }
    }

    /// <summary>One output object as a JSON line.</summary>
    public static string ToLine(JsonObject o) => o.ToJsonString(Compact);
}
