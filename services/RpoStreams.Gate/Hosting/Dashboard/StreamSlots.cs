namespace RpoStreams.Gate.Hosting.Dashboard;

/// <summary>
/// At most <c>max</c> dashboard streams open at once. The dashboard needs no key, and each stream holds a connection
/// and its buffers (about 75 KB): twenty thousand that never read took the gate's memory and its file descriptors, and
/// it died. Past the limit a stream is answered 503 (the page retries after 3 s).
/// </summary>
internal sealed class StreamSlots(int max)
{
    private int open;

    public int Open => Volatile.Read(ref open);

    /// <summary>A slot, given back when disposed (once, however often disposed); null when all are taken.</summary>
    public IDisposable? TryTake()
    {
        if (Interlocked.Increment(ref open) > max)
        {
            Interlocked.Decrement(ref open);
            return null;
        }
        return new Slot(this);
    }

    private sealed class Slot(StreamSlots slots) : IDisposable
    {
        private int returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref returned, 1) == 0)
            {
                Interlocked.Decrement(ref slots.open);
            }
        }
    }
}
