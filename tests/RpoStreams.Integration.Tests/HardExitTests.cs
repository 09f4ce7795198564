using RpoStreams.Gate.Hosting;

namespace RpoStreams.Integration.Tests;

/// <summary>A failed gate whose stream's close hangs still ends, with its exit code, once the hard exit's time has passed.</summary>
public class HardExitTests
{
    [Fact]
    public async Task The_hard_exit_ends_the_process_with_the_failure_code_once_its_time_has_passed()
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = System.Diagnostics.Stopwatch.StartNew();

        GateExit.ArmHardExit(4, TimeSpan.FromMilliseconds(300), code => exited.TrySetResult(code));

        Assert.False(exited.Task.IsCompleted);
        Assert.Equal(4, await exited.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(armed.Elapsed >= TimeSpan.FromMilliseconds(290), $"exited after {armed.Elapsed.TotalMilliseconds} ms");
        Assert.True(GateService.HardExitAfter > TimeSpan.FromSeconds(25) && GateService.HardExitAfter < TimeSpan.FromSeconds(45),
            "past the host's 25 s shutdown timeout, within Kubernetes' 45 s grace");
    }
}
