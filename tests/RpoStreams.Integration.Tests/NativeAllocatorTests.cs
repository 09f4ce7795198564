using RpoStreams.Gate.Hosting;

namespace RpoStreams.Integration.Tests;

/// <summary>The gates the tests start get the image's allocator (tcmalloc) unless something else is preloaded.</summary>
public sealed class NativeAllocatorTests
{
    [Fact]
    public void A_child_gets_tcmalloc_unless_its_environment_preloads_something_else()
    {
        Assert.SkipWhen(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")), "the test process itself has LD_PRELOAD set");
        var installed = NativeAllocator.Installed();
        Assert.True(installed is not null, $"{NativeAllocator.Library} is not installed: run scripts/install-test-prerequisites.sh");

        var plain = new Dictionary<string, string?>();
        Assert.True(NativeAllocator.Preload(plain));
        Assert.Equal(installed, plain["LD_PRELOAD"]);

        var other = new Dictionary<string, string?> { ["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2" };
        Assert.False(NativeAllocator.Preload(other));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", other["LD_PRELOAD"]);
    }

    [Fact]
    public void A_process_without_a_preload_says_it_runs_on_the_C_librarys_malloc()
    {
        Assert.SkipWhen(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")), "the test process itself has LD_PRELOAD set");
        Assert.Equal("the C library's malloc", NativeAllocator.InThisProcess());
    }
}
