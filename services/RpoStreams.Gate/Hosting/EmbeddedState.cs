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
    public static EmbeddedState Claim(string stateDir, ILogger logger)
    {
        System.IO.Directory.CreateDirectory(stateDir);
        foreach (var dir in System.IO.Directory.EnumerateDirectories(stateDir, Prefix + "*"))
        {
            if (Ended(dir))
            {
                Delete(dir, logger);
            }
        }
        var own = System.IO.Directory.CreateDirectory(Path.Combine(stateDir, Prefix + Guid.NewGuid().ToString("N")[..12])).FullName;
        return new EmbeddedState(own, Lock(Path.Combine(own, LockFile), FileMode.CreateNew)!, logger);
    }

    /// <summary>Deletes the directory and lets go of its lock. Never throws.</summary>
    public void Dispose()
    {
        Delete(Directory, logger);
        held.Dispose();
    }

    private static bool Ended(string dir)
    {
        try
        {
            using var free = Lock(Path.Combine(dir, LockFile), FileMode.Open);
            return free is not null;
        }
        catch (FileNotFoundException)
        {
            return DateTime.UtcNow - System.IO.Directory.GetCreationTimeUtc(dir) > Making;
        }
    }

    /// <summary>The file held exclusively, or null when another process holds it.</summary>
    private static FileStream? Lock(string path, FileMode mode)
    {
        try
        {
            return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException && mode == FileMode.Open)
        {
            return null;
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
