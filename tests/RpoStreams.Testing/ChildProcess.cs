using System.Diagnostics;

namespace RpoStreams.Testing;

/// <summary>
/// A process the test started (the broker or a gate). Its stdout and stderr go to files in the test's
/// folder (through <c>sh -c 'exec ... &gt; out 2&gt; err'</c>, so the pid is the program's own and nothing
/// in the test has to drain pipes), and it can be killed (SIGKILL) or asked to stop (SIGTERM).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process process;
    private readonly FileSystemWatcher output;

    private ChildProcess(string label, Process process, string stdoutPath, string stderrPath)
    {
        Label = label;
        this.process = process;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
        Clock = Stopwatch.StartNew();
        output = new FileSystemWatcher(Path.GetDirectoryName(stdoutPath)!, label + ".*")
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
        };
        output.Changed += (_, _) => Output.Pulse();
        output.Created += (_, _) => Output.Pulse();
        output.EnableRaisingEvents = true;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => Output.Pulse();
        if (process.HasExited)
        {
            Output.Pulse();
        }
    }

    /// <summary>Fires when the process writes to stdout or stderr, and when it exits.</summary>
    public Signal Output { get; } = new();

    public string Label { get; }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    /// <summary>Time since the process was started.</summary>
    public Stopwatch Clock { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>"LABEL exited with code N" once the process has exited, else null: a wait's reason to give up.</summary>
    public string? Exited => HasExited ? $"{Label} exited with code {ExitCode}" : null;

    public static ChildProcess Start(
        string label, string logDirectory, string workingDirectory, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var stdout = Path.Combine(logDirectory, label + ".out");
        var stderr = Path.Combine(logDirectory, label + ".err");
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >\"$RPO_FAULT_STDOUT\" 2>\"$RPO_FAULT_STDERR\" </dev/null");
        info.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["RPO_FAULT_STDOUT"] = stdout;
        info.Environment["RPO_FAULT_STDERR"] = stderr;
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {label}: {program}");
        return new ChildProcess(label, process, stdout, stderr);
    }

    /// <summary>SIGKILL, no chance to clean up (what a crash, an OOM kill or a lost node does).</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        process.WaitForExit(10_000);
    }

    /// <summary>Sends SIGTERM (what Kubernetes sends first) and waits for the exit; false when it did not exit in time.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return true;
        }
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last lines of stdout and stderr, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        return $"---- {Label} (pid {SafeId()}, {(process.HasExited ? $"exited {process.ExitCode}" : "running")}) stdout: {StdoutPath}\n"
            + TailOf(StdoutPath, lines)
            + $"---- {Label} stderr: {StderrPath}\n"
            + TailOf(StderrPath, lines);
    }

    public static string TailOf(string path, int lines)
    {
        if (!File.Exists(path))
        {
            return "(no file)\n";
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var queue = new Queue<string>();
        while (reader.ReadLine() is { } line)
        {
            queue.Enqueue(line.Length > 600 ? line[..600] + " ..." : line);
            if (queue.Count > lines)
            {
                queue.Dequeue();
            }
        }
        return queue.Count == 0 ? "(empty)\n" : string.Join('\n', queue) + "\n";
    }

    /// <summary>Reads the whole stdout so far (shared read, the process may still be writing).</summary>
    public string ReadStdout()
    {
        if (!File.Exists(StdoutPath))
        {
            return string.Empty;
        }
        using var stream = new FileStream(StdoutPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private string SafeId()
    {
        try
        {
            return process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
        output.Dispose();
        process.Dispose();
        Output.Dispose();
    }
}
