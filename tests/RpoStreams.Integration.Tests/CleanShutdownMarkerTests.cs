using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// Under exactly-once, local state after an unclean stop may hold writes of aborted transactions: it is wiped
/// and restored from the changelogs (StateRestoreTests restores a wiped state dir); a clean stop keeps it.
/// </summary>
public sealed class CleanShutdownMarkerTests : IDisposable
{
    private const string App = "rpo-gate";
    private readonly string stateDir = Directory.CreateTempSubdirectory("rpo-marker-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    private string AppDir => Path.Combine(stateDir, App);

    /// <summary>The state of task 0_0.</summary>
    private string TaskDir => Path.Combine(AppDir, "0_0");

    /// <summary>The global stores' checkpoint.</summary>
    private string GlobalCheckpoint => Path.Combine(AppDir, "global", ".checkpoint");

    /// <summary>A task's RocksDB store and the global stores' copy, as Streamiz lays them out.</summary>
    private void LeaveState()
    {
        var store = Directory.CreateDirectory(Path.Combine(TaskDir, "rocksdb", "subject-state")).FullName;
        File.WriteAllText(Path.Combine(store, "000001.sst"), "x");
        Directory.CreateDirectory(Path.GetDirectoryName(GlobalCheckpoint)!);
        File.WriteAllText(GlobalCheckpoint, "x");
    }

    private bool Start(bool exactlyOnce) => CleanShutdownMarker.PrepareForStart(stateDir, App, exactlyOnce, NullLogger.Instance);

    [Fact]
    public void Exactly_once_after_a_stop_without_the_mark_the_tasks_state_is_wiped_and_the_global_stores_kept()
    {
        LeaveState();

        Assert.True(Start(exactlyOnce: true));

        Assert.False(Directory.Exists(TaskDir));
        Assert.True(File.Exists(GlobalCheckpoint));
    }

    [Fact]
    public void After_a_clean_stop_the_state_is_kept_and_the_mark_removed_so_a_crash_of_this_run_is_seen_next_time()
    {
        LeaveState();
        CleanShutdownMarker.MarkClean(stateDir, App);

        Assert.False(Start(exactlyOnce: true));
        Assert.True(Directory.Exists(TaskDir));

        // This run then crashes: no mark again.
        Assert.True(Start(exactlyOnce: true));
        Assert.False(Directory.Exists(TaskDir));
    }

    [Fact]
    public void At_least_once_the_state_is_kept_after_a_crash()
    {
        LeaveState();

        Assert.False(Start(exactlyOnce: false));

        Assert.True(Directory.Exists(TaskDir));
    }

    [Fact]
    public void A_first_start_has_nothing_to_wipe()
    {
        Assert.False(Start(exactlyOnce: true));

        Directory.CreateDirectory(Path.GetDirectoryName(GlobalCheckpoint)!);
        Assert.False(Start(exactlyOnce: true));
    }
}
