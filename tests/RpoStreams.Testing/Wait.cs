using System.Diagnostics;

namespace RpoStreams.Testing;

/// <summary>
/// Waiting for a condition with a deadline (never a fixed sleep): the condition is checked again each time
/// <see cref="Signal"/> says something changed, and once more at the deadline.
/// </summary>
public static class Wait
{
    /// <summary>
    /// Checks <paramref name="condition"/> whenever <paramref name="changed"/> fires, until it holds; throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> and the current <paramref name="state"/> when the deadline passes, and
    /// stops early with the reason <paramref name="abort"/> returns (a process that died, for example).
    /// </summary>
    public static Task<TimeSpan> UntilAsync(
        Func<bool> condition, Signal changed, TimeSpan timeout, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null) =>
        UntilAsync(() => Task.FromResult(condition()), changed, timeout, what, cancel, state, abort);

    /// <summary>
    /// As above, for a condition that has to ask something (an HTTP endpoint). A request that gets no answer (refused,
    /// reset, timed out) counts as "not yet" (a process still starting, a loaded machine) and is asked again; the failure
    /// is named if the deadline passes while it lasts. An answer with an error status still throws at once.
    /// </summary>
    public static async Task<TimeSpan> UntilAsync(
        Func<Task<bool>> condition, Signal changed, TimeSpan timeout, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null)
    {
        var clock = Stopwatch.StartNew();
        string? failed = null;
        string Detail()
        {
            var parts = new[] { failed is null ? null : $"last request: {failed}", state?.Invoke() }.Where(p => p is not null).ToList();
            return parts.Count == 0 ? "" : $" ({string.Join("; ", parts)})";
        }
        while (true)
        {
            var next = changed.Next;
            bool holds;
            try
            {
                holds = await condition();
                failed = null;
            }
            catch (Exception e) when (e is HttpRequestException { StatusCode: null } || (e is TaskCanceledException && !cancel.IsCancellationRequested))
            {
                failed = $"{e.GetType().Name}: {e.Message}";
                holds = false;
            }
            if (holds)
            {
                break;
            }
            if (abort?.Invoke() is { } reason)
            {
                throw new InvalidOperationException($"gave up waiting for {what}: {reason}{Detail()}");
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{what}: not reached after {timeout.TotalSeconds:0} s{Detail()}");
            }
            await Signal.WaitAsync(next, timeout - clock.Elapsed, cancel);
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Waits until <paramref name="progress"/> reaches <paramref name="target"/>, looking again whenever
    /// <paramref name="changed"/> fires, as long as it keeps moving:
    /// throws when it has not moved for <paramref name="stall"/> (a machine under load is slow, a stuck gate
    /// does not move at all), or when <paramref name="abort"/> gives a reason.
    /// </summary>
    public static async Task<TimeSpan> ProgressAsync(
        Func<long> progress, Signal changed, long target, TimeSpan stall, string what, CancellationToken cancel,
        Func<string>? state = null, Func<string?>? abort = null)
    {
        var clock = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        var next = changed.Next;
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
            await Signal.WaitAsync(next, stall - still.Elapsed, cancel);
            next = changed.Next;
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
