using Confluent.Kafka;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// One thing the subject tasks publish: a decision (its wire bytes, as published the first time), an alert, the
/// counts for LIST_NOT_SCRUBBED, or a notice for REGISTER_STALE. Each goes to its own sink.
/// </summary>
public sealed class GateOutput
{
    public byte[]? Decision { get; private init; }

    public ComplianceAlert? Alert { get; private init; }

    public CampaignCount? Counts { get; private init; }

    public StaleNotice? Stale { get; private init; }

    /// <summary>An intent the subject's task refuses after intake (its id repeats another company's intent).</summary>
    public DeadLetter? Dead { get; private init; }

    public static GateOutput Of(byte[] decision) => new() { Decision = decision };

    public static GateOutput Of(ComplianceAlert alert) => new() { Alert = alert };

    public static GateOutput Of(CampaignCount counts) => new() { Counts = counts };

    public static GateOutput Of(StaleNotice notice) => new() { Stale = notice };

    public static GateOutput Of(DeadLetter letter) => new() { Dead = letter };
}

/// <summary>Serializes one part of a <see cref="GateOutput"/> for its sink, so no mapping step sits in between (write only).</summary>
public sealed class OutputPartSerDes<T>(Func<GateOutput, T?> part, ISerDes<T> serdes) : ISerDes<GateOutput> where T : class
{
    public byte[] Serialize(GateOutput data, SerializationContext context) =>
        serdes.Serialize(part(data) ?? throw new InvalidOperationException($"a {typeof(T).Name} sink received another output"), context);

    public GateOutput Deserialize(byte[] data, SerializationContext context) =>
        throw new NotSupportedException("outputs are only written");

    public object DeserializeObject(byte[] data, SerializationContext context) => Deserialize(data, context);

    public byte[] SerializeObject(object data, SerializationContext context) => Serialize((GateOutput)data, context);

    public void Initialize(SerDesContext context) => serdes.Initialize(context);
}
