using Confluent.Kafka;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// An input record's timestamp, for Streamiz: a negative one (Kafka's -1, "none", from an old or odd producer) reads
/// as 0, which intake reads as none (the clock alone, <see cref="IntakeSettings.InstantOf"/>). Streamiz's default
/// extractor fails the stream on it, so one such record stopped the gate again at every restart.
/// </summary>
public sealed class InputTimestamps : ITimestampExtractor
{
    public long Extract(ConsumeResult<object, object> record, long partitionTime) => Math.Max(0, record.Message.Timestamp.UnixTimestampMs);
}

/// <summary>
/// Keys as strings, a record without a key with the empty string: Streamiz hands a stateful processor no record
/// whose key is null, so a consultation sent without a key (its feed then named by its <c>feedId</c>) was dropped
/// with a warning, and the register stayed stale.
/// </summary>
public sealed class KeyOrEmpty : StringSerDes
{
    public override string Deserialize(byte[] data, SerializationContext context) => data is null ? string.Empty : base.Deserialize(data, context);
}
