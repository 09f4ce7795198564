using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;

namespace RpoStreams.Benchmarks;

/// <summary>
/// The Avro serdes in the Confluent wire format over the local registry (<see cref="RecordSerdes.Local"/>):
/// Confluent's serializer and deserializer, async under the hood, awaited synchronously as Streamiz
/// needs. Also the intake's full decode (<see cref="RecordDecoder{T}"/>: checks, schema lookup, decode).
/// </summary>
[MemoryDiagnoser]
public class SerdesBenchmarks
{
    private static readonly SerializationContext IntentContext = new(MessageComponentType.Value, TopicNames.Intents);
    private static readonly SerializationContext DecisionContext = new(MessageComponentType.Value, TopicNames.Decisions);

    private RecordSerdes serdes = null!;
    private RecordDecoder<CallIntent> decoder = null!;
    private CallIntent intent = null!;
    private CallDecision decision = null!;
    private byte[] intentBytes = null!;
    private byte[] decisionBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        serdes = RecordSerdes.Local();
        decoder = new RecordDecoder<CallIntent>(serdes.CallIntent, 64 * 1024);
        var at = Instant.FromUtc(2026, 3, 10, 9, 0);
        intent = new CallIntent
        {
            intentId = "sim-1764424800-i123456",
            companyId = "ACME",
            callCenterId = "CC-MILANO",
            campaignId = "ACME-B",
            channel = Channel.PHONE,
            subject = "333 123 4567",
            callerId = "+390212345678",
            purpose = Purpose.PROMOTIONAL,
            scheduledAt = at.ToAvro(),
        };
        decision = new CallDecision
        {
            intentId = intent.intentId,
            outcome = Outcome.BLOCKED,
            reasons = [Reason.RPO_OPPOSITION],
            basis = null,
            companyId = intent.companyId,
            callCenterId = intent.callCenterId,
            campaignId = intent.campaignId,
            channel = Channel.PHONE,
            purpose = Purpose.PROMOTIONAL,
            subjectRef = "5f0c6bd2a1e44c7d9e2b8a0f31c4d6e7",
            decisionTime = at.ToAvro(),
            decidedAt = at.ToAvro(),
            policyVersion = "it-2024.1",
        };
        intentBytes = serdes.CallIntent.Serialize(intent, IntentContext);
        decisionBytes = serdes.CallDecision.Serialize(decision, DecisionContext);
    }

    [Benchmark]
    public byte[] SerializeCallIntent() => serdes.CallIntent.Serialize(intent, IntentContext);

    [Benchmark]
    public CallIntent DeserializeCallIntent() => serdes.CallIntent.Deserialize(intentBytes, IntentContext);

    [Benchmark]
    public byte[] SerializeCallDecision() => serdes.CallDecision.Serialize(decision, DecisionContext);

    [Benchmark]
    public CallDecision DeserializeCallDecision() => serdes.CallDecision.Deserialize(decisionBytes, DecisionContext);

    /// <summary>What the intake does per intent before decoding: size and magic-byte checks, schema lookup by id, then decode.</summary>
    [Benchmark]
    public CallIntent? IntakeDecodeCallIntent() => decoder.TryDecode(intentBytes, TopicNames.Intents, out _);
}
