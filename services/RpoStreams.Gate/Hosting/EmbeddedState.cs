namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Where a gate on the embedded broker keeps its state. That broker holds its topics in memory and loses them when the
/// process ends, so state kept from an earlier run answered from contacts and decisions no changelog held (a second
/// demo run capped most of its calls), and two gates started in one folder shared one directory. Each run gets a new
/// <c>{Streams:StateDir}/embedded-{id}</c>, holding an exclusive lock on its <c>.lock</c> file for as long as it runs
/// (the system drops it when the process ends, however it ends), and deleted when the run stops. At start, directories
/// whose lock nobody holds are deleted: a process id would not do, as containers sharing a volume all run as pid 1.
/// </summary>
public sealed class EmbeddedState : IDisposable
{
    private const string Prefix = "embedded-";
    private const string LockFile = ".lock";

    /// <summary>A directory still without its lock this long after it was made belongs to a run that died making it.</summary>
    private static readonly TimeSpan Making = TimeSpan.FromMinutes(1);

    private readonly FileStream held;
    private readonly ILogger logger;

    private EmbeddedState(string directory, FileStream held, ILogger logger)
    {
        Directory = directory;
        this.held = held;
        this.logger = logger;
    }

    /// <summary>This run's state directory, empty.</summary>
    public string Directory { get; }

    /// <summary>A new state directory under <paramref name="stateDir"/> for this run, those of ended runs deleted.</summary>
    public static EmbeddedState Claim(string stateDir, ILogger logger) => Claim(stateDir, logger, Making);

    /// <summary>As above, a directory counted as being made for <paramref name="making"/> (tests).</summary>
    internal static EmbeddedState Claim(string stateDir, ILogger logger, TimeSpan making)
    {
        System.IO.Directory.CreateDirectory(stateDir);
        foreach (var dir in System.IO.Directory.EnumerateDirectories(stateDir, Prefix + "*"))
        {
            if (Ended(dir, making))
            {
                Delete(dir, logger);
            }
        }
        var own = System.IO.Directory.CreateDirectory(Path.Combine(stateDir, Prefix + Guid.NewGuid().ToString("N")[..12])).FullName;
        return new EmbeddedState(own, new FileStream(Path.Combine(own, LockFile), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None), logger);
    }

    /// <summary>Lets go of the lock and deletes the directory. Never throws.</summary>
    public void Dispose()
    {
        held.Dispose();
        Delete(Directory, logger);
    }

    /// <summary>
    /// Whether a directory's run has ended: no one holds its lock, or it has none, and it is older than a run takes to
    /// lock it (a file is made before it is locked). A directory whose lock this process may not open (another user's) is
    /// left alone.
    /// </summary>
    private static bool Ended(string dir, TimeSpan making)
    {
        if (DateTime.UtcNow - System.IO.Directory.GetCreationTimeUtc(dir) <= making)
        {
            return false;
        }
        try
        {
            using var free = new FileStream(Path.Combine(dir, LockFile), FileMode.Open, FileAccess.Read, FileShare.None);
            return true;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Delete(string dir, ILogger logger)
    {
        try
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not delete the embedded broker's state directory {StateDir} ({Reason})", dir, e.Message);
        }
    }
}
