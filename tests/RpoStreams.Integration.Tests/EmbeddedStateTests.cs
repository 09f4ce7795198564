using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The embedded broker loses its topics with its process, so a gate on it keeps no state from an earlier run (a second
/// demo run was capped by the first's contacts) and shares none with another gate started in the same folder.
/// </summary>
public sealed class EmbeddedStateTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("rpo-embedded-state-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    [Fact]
    public void A_run_gets_an_empty_directory_of_its_own_and_those_of_ended_runs_are_deleted()
    {
        // An ended run: its lock file is there, held by no one (a crash lets go of it as a stop does).
        var ended = Directory.CreateDirectory(Path.Combine(stateDir, "embedded-ended")).FullName;
        File.WriteAllText(Path.Combine(ended, ".lock"), string.Empty);
        File.WriteAllText(Path.Combine(ended, "000001.sst"), "x");
        // One whose run died before its lock; and what is not a run's.
        var unlocked = Directory.CreateDirectory(Path.Combine(stateDir, "embedded-unlocked")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(stateDir, "rpo-gate")).FullName;

        using var running = EmbeddedState.Claim(stateDir, NullLogger.Instance, TimeSpan.Zero);
        File.WriteAllText(Path.Combine(running.Directory, "000001.sst"), "x");
        var second = EmbeddedState.Claim(stateDir, NullLogger.Instance, TimeSpan.Zero);

        Assert.NotEqual(running.Directory, second.Directory);
        Assert.Equal([".lock"], Directory.EnumerateFileSystemEntries(second.Directory).Select(Path.GetFileName));
        Assert.False(Directory.Exists(ended));
        Assert.False(Directory.Exists(unlocked));
        Assert.True(File.Exists(Path.Combine(running.Directory, "000001.sst")));
        Assert.True(Directory.Exists(other));

        second.Dispose();
        Assert.False(Directory.Exists(second.Directory));
        Assert.True(Directory.Exists(running.Directory));
    }

    /// <summary>A file is made before it is locked: a directory younger than that takes is never judged ended.</summary>
    [Fact]
    public void A_directory_just_made_is_left_to_the_run_making_it()
    {
        var making = Directory.CreateDirectory(Path.Combine(stateDir, "embedded-making")).FullName;
        File.WriteAllText(Path.Combine(making, ".lock"), string.Empty);

        using var run = EmbeddedState.Claim(stateDir, NullLogger.Instance);

        Assert.True(Directory.Exists(making));
    }
}
