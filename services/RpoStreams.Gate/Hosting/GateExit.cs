using System.Runtime.InteropServices;

namespace RpoStreams.Gate.Hosting;

/// <summary>How the gate exits when its host fails to start or the gate fails (docs/operations.md, exit codes).</summary>
public static partial class GateExit
{
    /// <summary>
    /// After a failure or a SIGTERM the host stops, and waits for Streamiz to close the stream, whatever its shutdown
    /// timeout: a close that hangs (as after an OutOfMemoryException) would keep the process alive for good, which
    /// Kubernetes' liveness probe or SIGKILL ends but compose's restart policy never does. Armed when the stop begins,
    /// this ends the process with <paramref name="code"/> once <paramref name="after"/> has passed (the host's 25 s
    /// shutdown timeout and some), unless it ended first.
    /// <paramref name="exit"/> replaces the exit itself (tests). Never throws.
    /// </summary>
    public static void ArmHardExit(int code, TimeSpan after, Action<int>? exit = null, string cause = "its failure")
    {
        // Armed again (a failure while a requested stop goes on), it keeps the first deadline and takes the new code.
        if (exit is null && Interlocked.Exchange(ref armedCode, code) != NotArmed)
        {
            return;
        }
        try
        {
            var thread = new Thread(() =>
            {
                Thread.Sleep(after);
                if (exit is not null)
                {
                    exit(code);
                    return;
                }
                code = Volatile.Read(ref armedCode);
                try
                {
                    Console.Error.WriteLine($"rpo-gate: the gate did not stop within {after.TotalSeconds:0} s of {cause}; exiting with {code}");
                }
                finally
                {
                    HardExit(code);
                }
            })
            {
                IsBackground = true,
                Name = "rpo-hard-exit",
            };
            thread.Start();
        }
        catch (OutOfMemoryException)
        {
            // No thread to spare: the liveness probe ends a stop that hangs.
        }
    }

    private const int NotArmed = -1;

    /// <summary>The code the armed hard exit ends the process with.</summary>
    private static int armedCode = NotArmed;

    /// <summary>Ends the process now with <paramref name="code"/>, running nothing more (the host's shutdown hangs). Linux and macOS; elsewhere a fail-fast, whose code is the platform's.</summary>
    private static void HardExit(int code)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Exit(code);
        }
        Environment.FailFast($"the gate did not stop within the time after its failure (exit {code})");
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    /// <summary>
    /// The exit code and the one stderr line for an exception the host threw while starting: 2 when Kestrel could not
    /// listen where <c>Urls</c> says (an address in use, a port out of range, not a URL), as for any bad setting;
    /// 5 for anything else.
    /// </summary>
    public static (int Code, string Line) OfHostFailure(Exception e)
    {
        var text = Contracts.LogSafe.Text(e.Message);
        return e.StackTrace?.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true
            ? (2, $"Urls: {text}")
            : (5, $"start-up failed: {text}");
    }
}
