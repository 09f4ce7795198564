using System.Diagnostics;
using System.Globalization;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Where a gate on the embedded broker keeps its state. That broker holds its topics in memory and loses them when the
/// process ends, so state kept from an earlier run answered from contacts and decisions no changelog held (a second
/// demo run capped most of its calls), and two gates started in one folder shared one directory. Each run gets
/// <c>{Streams:StateDir}/embedded-{process id}</c>, deleted when it stops; at start, those of processes that no longer
/// run are deleted.
/// </summary>
public static class EmbeddedState
{
    private const string Prefix = "embedded-";

    /// <summary>This process's empty state directory under <paramref name="stateDir"/>, the leftovers of ended runs deleted.</summary>
    public static string Claim(string stateDir, ILogger logger)
    {
        Directory.CreateDirectory(stateDir);
        foreach (var dir in Directory.EnumerateDirectories(stateDir, Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(dir).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && (pid == Environment.ProcessId || !Runs(pid)))
            {
                Delete(dir, logger);
            }
        }
        var own = Path.Combine(stateDir, Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(own);
        return own;
    }

    /// <summary>Deletes a run's directory once its stores are closed. Never throws.</summary>
    public static void Delete(string dir, ILogger logger)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not delete the embedded broker's state directory {StateDir} ({Reason})", dir, e.Message);
        }
    }

    private static bool Runs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
