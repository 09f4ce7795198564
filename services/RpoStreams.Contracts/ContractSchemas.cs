using RpoStreams.Records;
using AvroSchema = Avro.Schema;

namespace RpoStreams.Contracts;

/// <summary>The value schema of each topic of the contract (subject <c>{topic}-value</c>, topic name strategy).</summary>
public static class ContractSchemas
{
    /// <summary>What producers write: the input topics.</summary>
    public static IReadOnlyList<(string Topic, AvroSchema Schema)> Inputs { get; } =
    [
        (TopicNames.RegisterUpdates, RegisterUpdate._SCHEMA),
        (TopicNames.RegisterConsultations, RegisterConsultation._SCHEMA),
        (TopicNames.Consents, ConsentEvent._SCHEMA),
        (TopicNames.Intents, CallIntent._SCHEMA),
        (TopicNames.Attempts, CallAttempt._SCHEMA),
    ];

    /// <summary>What the gate writes for its consumers: the output topics.</summary>
    public static IReadOnlyList<(string Topic, AvroSchema Schema)> Outputs { get; } =
    [
        (TopicNames.Decisions, CallDecision._SCHEMA),
        (TopicNames.Alerts, ComplianceAlert._SCHEMA),
        (TopicNames.DeadLetters, DeadLetter._SCHEMA),
    ];
}
