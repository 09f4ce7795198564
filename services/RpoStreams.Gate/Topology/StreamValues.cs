using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>What an intake step yields for one input record: an event for the subject tasks, or a dead letter.</summary>
public sealed class Intake
{
    public SubjectEvent? Event { get; init; }

    public DeadLetter? DeadLetter { get; init; }
}

/// <summary>What the subject tasks yield: a decision (new or repeated) or an alert.</summary>
public sealed class GateOutput
{
    public CallDecision? Decision { get; init; }

    /// <summary>True when the decision is the stored answer to a repeated intentId (not counted again).</summary>
    public bool Repeated { get; init; }

    public ComplianceAlert? Alert { get; init; }
}
