using System.Diagnostics;

namespace RpoStreams.Testing;

/// <summary>A short-lived process run to its end, its output read as it comes (a full pipe never blocks it).</summary>
public static class ProcessRun
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs <paramref name="info"/> with stdout and stderr captured; past <paramref name="timeout"/> kills it and throws
    /// <see cref="TimeoutException"/> ("<paramref name="what"/> was still running after N s").
    /// </summary>
    public static async Task<Result> RunAsync(ProcessStartInfo info, TimeSpan timeout, string what, CancellationToken cancel)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {what}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} was still running after {timeout.TotalSeconds:0} s");
        }
        return new(process.ExitCode, await stdout, await stderr);
    }
}
