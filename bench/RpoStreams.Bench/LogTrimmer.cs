using RpoStreams.DevKafka;

namespace RpoStreams.Bench;

/// <summary>
/// Embedded-broker compensation for the latency run: deletes what has been read of one topic. The embedded broker
/// finds each fetch's position by walking the partition's batches from the oldest one it keeps (up to 5 MB), so at
/// 10,000 intents/s, with the dialer's small batches, those walks took a fifth of the machine's two cores. Kafka looks the
/// position up in an index and needs none of this. One thread calls <see cref="Read"/>, another <see cref="Trim"/>.
/// </summary>
internal sealed class LogTrimmer(EmbeddedKafka kafka, string topic, int partitions)
{
    private readonly long[] read = new long[partitions];

    /// <summary>Everything of <paramref name="partition"/> before <paramref name="offset"/> has been read.</summary>
    public void Read(int partition, long offset)
    {
        if (offset > Volatile.Read(ref read[partition]))
        {
            Volatile.Write(ref read[partition], offset);
        }
    }

    /// <summary>Deletes each partition's records before what has been read (the broker ignores what it already deleted).</summary>
    public void Trim()
    {
        for (var p = 0; p < read.Length; p++)
        {
            if (Volatile.Read(ref read[p]) is var upTo and > 0)
            {
                kafka.DeleteRecords(topic, p, upTo);
            }
        }
    }
}
