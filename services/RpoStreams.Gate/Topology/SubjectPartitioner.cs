using System.Text;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Partitions subject events by Kafka's default rule for keyed records (murmur2 of the key bytes,
/// positive, modulo the partition count), so the owner of a subject can be computed anywhere.
/// </summary>
public sealed class SubjectPartitioner : IStreamPartitioner<string, SubjectEvent>
{
    public void Initialize(IStreamConfig config)
    {
    }

    public Partition Partition(string topic, string key, SubjectEvent value, Partition sourcePartition, int numPartitions) =>
        new(PartitionOf(key, numPartitions));

    public static int PartitionOf(string key, int numPartitions)
    {
        // Once per subject event: the key's bytes on the stack (keys are 32-character refs).
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
