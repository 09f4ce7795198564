using Confluent.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// A stream thread's consumer, as the gate hands it to Streamiz. Streamiz 1.8.2 closes it (leaving the group) only after
/// its tasks have closed: when it gives up closing them (a final commit refused, say), the consumer stays in the group
/// and the other instances wait out its session (<c>Streams:SessionTimeoutMs</c>) before they take its partitions.
/// <see cref="Leave"/> closes such a consumer once the stream has stopped.
/// </summary>
public sealed class StreamConsumer(IConsumer<byte[], byte[]> consumer, RevocationGuard guard) : DelegatingConsumer(consumer)
{
    private volatile bool closed;

    /// <summary>Whether Streamiz closed or disposed this consumer.</summary>
    public bool Closed => closed;

    public override void Close()
    {
        Inner.Close();
        closed = true;
    }

    public override void Dispose()
    {
        closed = true;
        base.Dispose();
    }

    /// <summary>
    /// Leaves the group and disposes the consumer, unless Streamiz did: true when it had not. Only once its stream
    /// thread has stopped; Streamiz is told of no rebalance that closing causes.
    /// </summary>
    internal bool Leave(ILogger logger)
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        guard.Detach();
        try
        {
            Inner.Close();
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogWarning("Closing a consumer the stream left in the group failed ({Reason}): the group drops it when its session expires", e.Message);
        }
        finally
        {
            Inner.Dispose();
        }
        return true;
    }
}
