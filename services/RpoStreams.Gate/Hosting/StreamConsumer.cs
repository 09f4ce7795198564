using Confluent.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// A stream thread's consumer, as the gate hands it to Streamiz. Streamiz 1.8.2 closes it (leaving the group) only after
/// its tasks have closed: when it gives up closing them (a final commit refused, say), the consumer stays in the group
/// and the other instances wait out its session (<c>Streams:SessionTimeoutMs</c>) before they take its partitions.
/// <see cref="Leave"/> closes such a consumer once the stream has stopped.
/// </summary>
/// <param name="consumer">The consumer Streamiz would have used.</param>
/// <param name="guard">The thread's rebalance listener.</param>
/// <param name="closing">Told when Streamiz closes the consumer, which it does only as its thread stops.</param>
public sealed class StreamConsumer(IConsumer<byte[], byte[]> consumer, RevocationGuard guard, Action? closing = null) : DelegatingConsumer(consumer)
{
    private volatile bool closed;
    private volatile bool subscribed;
    private Thread? poller;

    public override ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout) => Polled.Consume(timeout);

    public override ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => Polled.Consume(millisecondsTimeout);

    public override ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => Polled.Consume(cancellationToken);

    /// <summary>The consumer, once the thread that polls it is known.</summary>
    private IConsumer<byte[], byte[]> Polled
    {
        get
        {
            poller ??= Thread.CurrentThread;
            return Inner;
        }
    }

    public override void Subscribe(IEnumerable<string> topics)
    {
        Inner.Subscribe(topics);
        subscribed = true;
    }

    public override void Subscribe(string topic)
    {
        Inner.Subscribe(topic);
        subscribed = true;
    }

    public override void Close()
    {
        closing?.Invoke();
        Inner.Close();
        closed = true;
    }

    public override void Dispose()
    {
        closed = true;
        base.Dispose();
    }

    /// <summary>
    /// Leaves the group and disposes the consumer, unless Streamiz did, or its stream thread still runs: true when it
    /// was in the group. Streamiz is told of no rebalance that closing causes. Never throws.
    /// </summary>
    internal bool Leave(ILogger logger)
    {
        if (closed)
        {
            return false;
        }
        if (Volatile.Read(ref poller) is { IsAlive: true } thread && thread != Thread.CurrentThread)
        {
            logger.LogWarning("A stream thread ({Thread}) still runs after the stream stopped: its consumer is left to it", thread.Name);
            return false;
        }
        closed = true;
        guard.Detach();
        var member = subscribed;
        try
        {
            if (member)
            {
                Inner.Close();
            }
        }
        catch (Exception e)
        {
            // Close also throws whatever a callback failed with before; the group drops the member when its session expires.
            logger.LogWarning("Closing a consumer the stream left in the group failed ({Reason}): the group drops it when its session expires", e.Message);
        }
        GateKafkaSupplier.DisposeLeftOpen(Inner, "consumer", logger);
        return member;
    }
}
