using System.Diagnostics;

namespace RpoStreams.Bench;

/// <summary>A command run beside the gate while it drains (a profiler), stopped with SIGINT when the drain ends.</summary>
internal sealed class DrainHook : IDisposable
{
    private readonly Process process;
    private readonly Action<string> say;

    private DrainHook(Process process, Action<string> say)
    {
        this.process = process;
        this.say = say;
    }

    public static DrainHook? Start(string? command, int pid, double delaySeconds, Action<string> say)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return null;
        }
        var text = command.Replace("{pid}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec " + text);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not run {text}");
        say($"during the drain: {text} (pid {process.Id}); waiting {delaySeconds:0}s for it to attach");
        Thread.Sleep(TimeSpan.FromSeconds(delaySeconds));
        return new DrainHook(process, say);
    }

    public void Stop()
    {
        if (process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill?.WaitForExit();
        }
        if (!process.WaitForExit(120_000))
        {
            process.Kill();
        }
        say($"drain hook ended (exit {process.ExitCode})");
    }

    public void Dispose()
    {
        Stop();
        process.Dispose();
    }
}
