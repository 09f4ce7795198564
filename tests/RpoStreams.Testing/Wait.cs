using System.Diagnostics;

namespace RpoStreams.Testing;

/// <summary>Waiting for a condition with a deadline (never a fixed sleep).</summary>
public static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> and the current <paramref name="state"/> when the deadline passes, and
    /// stops early with the reason <paramref name="abort"/> returns (a process that died, for example).
    /// </summary>
    public static Task<TimeSpan> UntilAsync(
        Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, cancel, state, abort);

    /// <summary>As above, for a condition that has to ask something (an HTTP endpoint).</summary>
    public static async Task<TimeSpan> UntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (abort?.Invoke() is { } reason)
            {
                throw new InvalidOperationException($"gave up waiting for {what}: {reason}{(state is null ? "" : $" ({state()})")}");
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{what}: not reached after {timeout.TotalSeconds:0} s{(state is null ? "" : $" ({state()})")}");
            }
            await Task.Delay(100, cancel);
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Waits until <paramref name="progress"/> reaches <paramref name="target"/>, as long as it keeps moving:
    /// throws when it has not moved for <paramref name="stall"/> (a machine under load is slow, a stuck gate
    /// does not move at all), or when <paramref name="abort"/> gives a reason.
    /// </summary>
    public static async Task<TimeSpan> ProgressAsync(
        Func<long> progress, long target, TimeSpan stall, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null)
    {
        var clock = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        var last = progress();
        while (last < target)
        {
            if (abort?.Invoke() is { } reason)
            {
                throw new InvalidOperationException($"gave up waiting for {what}: {reason}{(state is null ? "" : $" ({state()})")}");
            }
            if (still.Elapsed > stall)
            {
                throw new TimeoutException($"{what}: no progress for {stall.TotalSeconds:0} s at {last} of {target}{(state is null ? "" : $" ({state()})")}");
            }
            await Task.Delay(100, cancel);
            var now = progress();
            if (now != last)
            {
                last = now;
                still.Restart();
            }
        }
        return clock.Elapsed;
    }
}
