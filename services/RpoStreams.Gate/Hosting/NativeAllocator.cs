namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The allocator of native memory (RocksDB's and librdkafka's; the .NET heap is the GC's own). The image preloads
/// gperftools' tcmalloc (<c>LD_PRELOAD=libtcmalloc_minimal.so.4</c>): it took 10–15 % off the gate's CPU per
/// decision against glibc's malloc (docs/performance.md, "Settings tried"). It can only be chosen when a process
/// starts, so this class finds it for the processes the tests and the benchmark start.
/// </summary>
public static class NativeAllocator
{
    /// <summary>The library's file name; <c>LD_PRELOAD</c> finds it by this name in the linker's path.</summary>
    public const string Library = "libtcmalloc_minimal.so.4";

    // The same directories, in the same order, as scripts/tcmalloc-path.sh, which the scripts and the test prerequisites
    // use (NativeAllocatorTests holds the two lists together).
    internal static readonly string[] Directories =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];

    /// <summary>Where tcmalloc is installed (Debian's <c>libtcmalloc-minimal4</c>), or null.</summary>
    public static string? Installed() =>
        OperatingSystem.IsLinux() ? Directories.Select(d => Path.Combine(d, Library)).FirstOrDefault(File.Exists) : null;

    /// <summary>"tcmalloc" when this process runs with it, else what else <c>LD_PRELOAD</c> names, else "the C library's malloc".</summary>
    public static string InThisProcess()
    {
        try
        {
            if (File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtcmalloc", StringComparison.Ordinal)))
            {
                return "tcmalloc";
            }
        }
        catch (IOException)
        {
        }
        var preloaded = Environment.GetEnvironmentVariable("LD_PRELOAD");
        return string.IsNullOrWhiteSpace(preloaded) ? "the C library's malloc" : $"what LD_PRELOAD names ({Path.GetFileName(preloaded.Trim())})";
    }

    /// <summary>
    /// Sets <c>LD_PRELOAD</c> in a child's <paramref name="environment"/> to tcmalloc, as the image does, when it is
    /// installed and nothing else is preloaded; returns whether it did.
    /// </summary>
    public static bool Preload(IDictionary<string, string?> environment)
    {
        if (Installed() is not { } path || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD"))
            || (environment.TryGetValue("LD_PRELOAD", out var set) && !string.IsNullOrEmpty(set)))
        {
            return false;
        }
        environment["LD_PRELOAD"] = path;
        return true;
    }
}
