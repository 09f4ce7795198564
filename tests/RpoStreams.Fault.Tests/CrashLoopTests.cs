using System.Diagnostics;
using RpoStreams.Testing;

namespace RpoStreams.Fault.Tests;

/// <summary>
/// The crash loop an operator would run, short enough for every CI run: scripts/chaos.sh, two rounds (one gate
/// killed three times at random points; then two gates, one of them killed three times), then rpo audit.
/// docs/reliability.md has the figures of the long loop.
/// </summary>
public sealed class CrashLoopTests
{
    [Fact(Timeout = 10 * 60 * 1000)]
    [Trait("Category", "Fault")]
    public async Task A_short_crash_loop_loses_and_doubles_no_decision()
    {
        var root = Repository.Root;
        var seed = Random.Shared.Next(1, 30_000);
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "scripts/chaos.sh", "--rounds", "2", "--intents", "20000", "--register", "5000", "--kills", "3", "--max-kill-after", "9", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }
        using var chaos = Process.Start(info)!;
        var stderr = chaos.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var lines = new List<string>();
        while (await chaos.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            lines.Add(line);
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }
        await chaos.WaitForExitAsync(TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}; stderr: {await stderr}");

        Assert.Equal("rounds: 2 lost: 0 duplicated: 0", lines.LastOrDefault());
        Assert.Equal(0, chaos.ExitCode);
    }
}
