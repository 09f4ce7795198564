using System.Text;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Where a subject lives: the partition Kafka's default partitioner (the Java client's, murmur2 of the key
/// bytes, positive, modulo the partition count) gives a record keyed by the normalized subject, E.164 for a
/// phone. A producer that keys register updates, consents, intents and attempts that way (with murmur2) puts
/// every record in its subject's partition, where it is decided; any other record takes one hop through
/// the subject-events topic. The check API routes a query to the owner of the same partition.
/// </summary>
public static class SubjectPlacement
{
    /// <summary>The partition of a normalized subject (or, for an intent whose subject cannot be normalized, of its intentId).</summary>
    public static int PartitionOf(string key, int numPartitions)
    {
        // Once per input record: the key's bytes on the stack (E.164 numbers are short).
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> bytes = max <= 256 ? stackalloc byte[256] : new byte[max];
        var length = Encoding.UTF8.GetBytes(key, bytes);
        return (int)((Murmur2(bytes[..length]) & 0x7FFFFFFF) % numPartitions);
    }

    /// <summary>Kafka's murmur2 (the Java client's <c>Utils.murmur2</c>).</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint seed = 0x9747b28c;
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = seed ^ (uint)length;
        var length4 = length / 4;
        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = (uint)(data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24));
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        var rest = length4 * 4;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[rest + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[rest + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[rest];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}

/// <summary>Sends a relocated input record to the partition of its subject, computed at intake.</summary>
public sealed class SubjectInputPartitioner : IStreamPartitioner<string, SubjectInput>
{
    public void Initialize(IStreamConfig config)
    {
    }

    public Partition Partition(string topic, string key, SubjectInput value, Partition sourcePartition, int numPartitions) =>
        new(value.Event.targetPartition % numPartitions);
}
