using System.Diagnostics;
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

    private string RunDir(int pid)
    {
        var dir = Directory.CreateDirectory(Path.Combine(stateDir, $"embedded-{pid}")).FullName;
        File.WriteAllText(Path.Combine(dir, "000001.sst"), "x");
        return dir;
    }

    [Fact]
    public async Task A_run_gets_an_empty_directory_of_its_own_and_those_of_ended_runs_are_deleted()
    {
        using var running = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        using var ended = Process.Start(new ProcessStartInfo("true"))!;
        await ended.WaitForExitAsync(TestContext.Current.CancellationToken);
        var ofRunning = RunDir(running.Id);
        var ofEnded = RunDir(ended.Id);
        var formerOwn = RunDir(Environment.ProcessId);
        var other = Directory.CreateDirectory(Path.Combine(stateDir, "rpo-gate")).FullName;
        try
        {
            var own = EmbeddedState.Claim(stateDir, NullLogger.Instance);

            Assert.Equal(formerOwn, own);
            Assert.Empty(Directory.EnumerateFileSystemEntries(own));
            Assert.False(Directory.Exists(ofEnded));
            Assert.True(File.Exists(Path.Combine(ofRunning, "000001.sst")));
            Assert.True(Directory.Exists(other));

            EmbeddedState.Delete(own, NullLogger.Instance);
            Assert.False(Directory.Exists(own));
        }
        finally
        {
            running.Kill();
        }
    }
}
