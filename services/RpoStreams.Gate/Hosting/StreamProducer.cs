using Confluent.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// A stream thread's producer, as the gate hands it to Streamiz. Streamiz 1.8.2 disposes it only after the thread's
/// tasks have closed: when it gives up closing them (a final commit refused, say), the producer stays open and, under
/// exactly-once, so does its transaction, which holds back every read_committed reader of the partitions it wrote to
/// until the broker times it out. <see cref="Abandon"/> aborts that transaction and disposes the producer once the
/// stream has stopped.
/// </summary>
public sealed class StreamProducer(IProducer<byte[], byte[]> producer, bool transactional) : DelegatingProducer(producer)
{
    /// <summary>How long aborting a transaction left open may take.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(10);

    private volatile bool disposed;

    public override void Dispose()
    {
        disposed = true;
        base.Dispose();
    }

    /// <summary>Aborts the open transaction, if any, and disposes the producer, unless Streamiz did: true when it had not. Never throws.</summary>
    internal bool Abandon(ILogger logger)
    {
        if (disposed)
        {
            return false;
        }
        disposed = true;
        if (transactional)
        {
            try
            {
                Inner.AbortTransaction(AbortTimeout);
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_State)
            {
                // No transaction was open.
            }
            catch (Exception e)
            {
                logger.LogWarning("Aborting the transaction the stream left open failed ({Reason}): the broker aborts it when it times out", e.Message);
            }
        }
        GateKafkaSupplier.DisposeLeftOpen(Inner, "producer", logger);
        return true;
    }
}
