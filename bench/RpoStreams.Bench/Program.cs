using System.Diagnostics;
using RpoStreams.Bench;
using RpoStreams.Gate.Hosting;

// Every figure comes from processes with the image's native allocator (tcmalloc) when it is installed: the broker,
// the ceilings and the gate alike. It can only be chosen at start, so the benchmark starts itself again with it.
if (!args.Contains(BenchCommand.GlibcMalloc) && NativeAllocator.Installed() is { } tcmalloc
    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")))
{
    var info = ChildProcessGate.SelfStart(args);
    info.Environment["LD_PRELOAD"] = tcmalloc;
    using var again = Process.Start(info) ?? throw new InvalidOperationException("could not start rpo-bench again with tcmalloc");
    await again.WaitForExitAsync();
    return again.ExitCode;
}
return await BenchCommand.Create().Parse(args).InvokeAsync();
