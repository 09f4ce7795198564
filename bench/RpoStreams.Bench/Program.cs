using RpoStreams.Bench;
using RpoStreams.Gate.Hosting;

// Every figure comes from processes with the image's native allocator (tcmalloc) when it is installed: the broker,
// the ceilings and the gate alike. It can only be chosen at start, so the benchmark becomes itself again with it.
var parse = BenchCommand.Create().Parse(args);
if (parse.GetValue(BenchCommand.GlibcMalloc))
{
    Environment.SetEnvironmentVariable(BenchCommand.MallocVariable, "glibc");
}
else if (Environment.GetEnvironmentVariable(BenchCommand.MallocVariable) != "glibc"
    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")) && NativeAllocator.Installed() is { } tcmalloc)
{
    AllocatorRestart.Become(args, tcmalloc);
}
return await parse.InvokeAsync();
