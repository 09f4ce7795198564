namespace RpoStreams.Testing;

/// <summary>
/// "Something changed, look again": raised by whatever a test waits on (a decision read, a line written
/// by a child process, its exit), so a wait re-checks its condition when there is news instead of on a
/// timer. A waiter takes <see cref="Next"/> before it checks its condition, so a change that happens while
/// it checks is not missed; any number of waiters may wait at once.
/// </summary>
public sealed class Signal : IDisposable
{
    private readonly Timer? ticks;
    private readonly Lock sync = new();
    private readonly List<Signal> followers = [];
    private readonly Signal[] sources = [];
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Signal()
    {
    }

    private Signal(TimeSpan period) => ticks = new Timer(_ => Pulse(), null, period, period);

    private Signal(Signal[] sources) => this.sources = sources;

    /// <summary>Completes at the next pulse after it was read.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>
    /// For a condition nothing announces (an HTTP endpoint of another process): a signal that fires every
    /// <paramref name="period"/>. Dispose it when the wait is over.
    /// </summary>
    public static Signal Every(TimeSpan period) => new(period);

    /// <summary>A signal that fires when any of <paramref name="signals"/> fires (two processes, say). Dispose it when done.</summary>
    public static Signal AnyOf(params Signal[] signals)
    {
        var any = new Signal(signals);
        foreach (var source in signals)
        {
            lock (source.sync)
            {
                source.followers.Add(any);
            }
        }
        return any;
    }

    /// <summary>Waits for <paramref name="next"/> (taken from <see cref="Next"/>); false when <paramref name="timeout"/> passed first.</summary>
    public static async Task<bool> WaitAsync(Task next, TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            await next.WaitAsync(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, cancel);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Pulse()
    {
        lock (sync)
        {
            foreach (var follower in followers)
            {
                follower.Pulse();
            }
        }
        Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public void Dispose()
    {
        foreach (var source in sources)
        {
            lock (source.sync)
            {
                source.followers.Remove(this);
            }
        }
        ticks?.Dispose();
    }
}
