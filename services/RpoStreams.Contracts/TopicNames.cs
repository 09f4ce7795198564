namespace RpoStreams.Contracts;

/// <summary>The topics of the contract (DESIGN section 2). Code outside this file never writes a topic string.</summary>
public static class TopicNames
{
    /// <summary>Register updates (REGISTERED, RENEWED, REMOVED), keyed by subject as published. Kept for ever, not compacted (a future-dated update would hide the one in force).</summary>
    public const string RegisterUpdates = "rpo.register.updates.v1";

    /// <summary>Register consultations, keyed by feed id; read as a global table.</summary>
    public const string RegisterConsultations = "rpo.register.consultations.v1";

    /// <summary>Per-company consent events, keyed by subject as published. Kept for ever, not compacted: a subject's key carries every company's consents.</summary>
    public const string Consents = "rpo.consents.v1";

    /// <summary>Call intents from dialers, any key.</summary>
    public const string Intents = "calls.intents.v1";

    /// <summary>Call attempts (what was actually dialled), any key.</summary>
    public const string Attempts = "calls.attempts.v1";

    /// <summary>Exactly one decision per intent, keyed by intentId.</summary>
    public const string Decisions = "calls.decisions.v1";

    /// <summary>Compliance alerts, keyed by companyId.</summary>
    public const string Alerts = "compliance.alerts.v1";

    /// <summary>Unreadable input, with topic, partition, offset and reason.</summary>
    public const string DeadLetters = "rpo.deadletter.v1";

    /// <summary>Input topics the gate reads.</summary>
    public static readonly IReadOnlyList<string> Inputs = [RegisterUpdates, RegisterConsultations, Consents, Intents, Attempts];

    /// <summary>Output topics the gate writes.</summary>
    public static readonly IReadOnlyList<string> Outputs = [Decisions, Alerts, DeadLetters];

    /// <summary>Topics whose latest value per key is what matters (log compaction on a real cluster).</summary>
    public static readonly IReadOnlyList<string> Compacted = [RegisterConsultations];

    /// <summary>Topics a reset rebuilds state from, whole: every record kept (retention.ms -1, not compacted).</summary>
    public static readonly IReadOnlyList<string> KeptForEver = [RegisterUpdates, Consents];
}
