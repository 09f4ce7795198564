namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Under exactly-once, local RocksDB state may hold writes of a transaction that was aborted by a crash.
/// Streamiz writes its checkpoint only on a clean close and then trusts the local store, so after a crash
/// the gate wipes its local state and restores it from the changelogs, which hold committed data only (as
/// Kafka Streams does). A marker file says the last run closed cleanly.
/// </summary>
public static class CleanShutdownMarker
{
    private const string FileName = ".clean-shutdown";

    /// <summary>Global stores are copies of their topics, not written in transactions: kept, and caught up from their checkpoints.</summary>
    private const string GlobalDirectory = "global";

    /// <summary>
    /// Called before the stream starts. Returns true when local state was wiped because the previous run
    /// did not stop cleanly. Removes the marker, so a crash of this run is detected next time.
    /// </summary>
    public static bool PrepareForStart(string stateDir, string applicationId, bool exactlyOnce, ILogger logger)
    {
        var appDir = Path.Combine(stateDir, applicationId);
        var marker = Path.Combine(appDir, FileName);
        var hasState = Directory.Exists(appDir) && Directory.EnumerateFileSystemEntries(appDir).Any(e => Path.GetFileName(e) is not (FileName or GlobalDirectory));
        var clean = File.Exists(marker);
        if (clean)
        {
            File.Delete(marker);
        }
        if (!exactlyOnce || !hasState || clean)
        {
            return false;
        }
        logger.LogWarning(
            "The previous run did not stop cleanly: wiping local state in {StateDir} and restoring it from the changelogs (it may hold writes of aborted transactions)",
            appDir);
        foreach (var entry in Directory.EnumerateFileSystemEntries(appDir).Where(e => Path.GetFileName(e) != GlobalDirectory))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
        return true;
    }

    /// <summary>Called after the stream has closed (stores flushed, checkpoint written).</summary>
    public static void MarkClean(string stateDir, string applicationId)
    {
        var appDir = Path.Combine(stateDir, applicationId);
        Directory.CreateDirectory(appDir);
        File.WriteAllText(Path.Combine(appDir, FileName), DateTimeOffset.UtcNow.ToString("O"));
    }
}
