using System.Collections;
using System.Runtime.InteropServices;

namespace RpoStreams.Bench;

/// <summary>Runs this program again in the same process (same pid: signals, exit code and <c>{pid}</c> stay the benchmark's) with a preloaded allocator.</summary>
internal static class AllocatorRestart
{
    /// <summary>Replaces this process with itself under <c>LD_PRELOAD=<paramref name="library"/></c>; returns only if that fails.</summary>
    public static void Become(IReadOnlyList<string> args, string library)
    {
        var start = ChildProcessGate.SelfStartInfo(args);
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(e => (string)e.Key != "LD_PRELOAD")
            .Select(e => $"{e.Key}={e.Value}")
            .Append("LD_PRELOAD=" + library);
        var allocated = new List<IntPtr>();
        IntPtr[] Block(IEnumerable<string> items)
        {
            var block = items.Select(Marshal.StringToCoTaskMemUTF8).ToList();
            allocated.AddRange(block);
            return [.. block, IntPtr.Zero];
        }
        try
        {
            var argv = Block([start.FileName, .. start.ArgumentList]);
            _ = execve(argv[0], argv, Block(environment));
            Console.Error.WriteLine($"rpo-bench: could not start again with {library} (errno {Marshal.GetLastPInvokeError()}): the C library's malloc it is");
        }
        finally
        {
            allocated.ForEach(Marshal.FreeCoTaskMem);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int execve(IntPtr path, IntPtr[] argv, IntPtr[] envp);
}
