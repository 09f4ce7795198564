using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RpoStreams.Bench;

/// <summary>What the bench asks of a running gate, wherever it runs.</summary>
internal interface IGateHandle : IDisposable
{
    /// <summary>Process id of the process running the gate (for dotnet-trace / dotnet-counters).</summary>
    int ProcessId { get; }

    /// <summary>Starts the gate; returns (seconds to Streamiz RUNNING, seconds to every task restored), both from the start call.</summary>
    (double Running, double Restored, long StreamizRestorationMs) Start(TimeSpan timeout);

    long DecisionCount();

    bool WaitForDecisions(long count, TimeSpan timeout);

    double SecondsBetween(long from, long to);

    /// <summary>Percentiles of the gate's own decision latency (decidedAt − intent record timestamp) after the first <paramref name="skip"/> decisions.</summary>
    LatencyStats LatenciesAfter(long skip);

    ProcessSample Sample();

    RestoreProgress Progress();

    /// <summary>
    /// Stops the stream cleanly (commit, checkpoint, leave the group); returns the seconds it took, or NaN when the
    /// gate did not stop within <see cref="ChildProcessGate.StopTimeout"/> and was killed.
    /// </summary>
    double Stop();
}

/// <summary>The gate in the bench's own process (its RSS then includes the embedded broker's in-memory logs).</summary>
internal sealed class InProcessGate : IGateHandle
{
    private readonly GateWorker worker;

    public InProcessGate(string bootstrap, string applicationId, int partitions, string stateDir, bool mockCompensation, bool developmentBroker)
    {
        worker = new GateWorker(bootstrap, applicationId, partitions, stateDir, mockCompensation, developmentBroker);
    }

    public int ProcessId => Environment.ProcessId;

    public (double Running, double Restored, long StreamizRestorationMs) Start(TimeSpan timeout) => worker.Start(timeout);

    public long DecisionCount() => worker.DecisionCount;

    public bool WaitForDecisions(long count, TimeSpan timeout) => worker.WaitForDecisions(count, timeout);

    public double SecondsBetween(long from, long to) => worker.SecondsBetween(from, to);

    public LatencyStats LatenciesAfter(long skip) => LatencyStats.FromSeconds(worker.LatenciesAfter(skip));

    public ProcessSample Sample() => GateWorker.Sample();

    public RestoreProgress Progress() => worker.Progress;

    public double Stop()
    {
        var clock = Stopwatch.StartNew();
        worker.Dispose();
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose() => worker.Dispose();
}

/// <summary>
/// The gate in a child process (<c>rpo-bench gate-worker</c>, the same binary), so its resident memory
/// and CPU are its own and not mixed with the embedded broker's, which keeps every topic in memory in
/// the bench process. Runs with Server GC, as the service (an ASP.NET Core app) does. Speaks a line
/// protocol on stdin/stdout: one command, one "@reply" line; "@error" ends the conversation.
/// </summary>
internal sealed class ChildProcessGate : IGateHandle
{
    private readonly Process process;
    private readonly StringBuilder stderr = new();
    private bool stopped;

    public ChildProcessGate(string bootstrap, string applicationId, int partitions, string stateDir, bool serverGc, bool mockCompensation, bool developmentBroker)
    {
        process = StartSelf(
            ["gate-worker", "--bootstrap", bootstrap, "--application-id", applicationId, "--partitions", partitions.ToString(CultureInfo.InvariantCulture), "--state-dir", stateDir, "--mock-compensation", mockCompensation ? "true" : "false", "--development-broker", developmentBroker ? "true" : "false"],
            serverGc,
            info =>
            {
                info.RedirectStandardInput = true;
                info.StandardOutputEncoding = Encoding.UTF8;
            });
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (stderr)
                {
                    if (stderr.Length < 20_000)
                    {
                        stderr.AppendLine(e.Data);
                    }
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public int ProcessId => process.Id;

    public (double Running, double Restored, long StreamizRestorationMs) Start(TimeSpan timeout)
    {
        var p = Ask("start " + (long)timeout.TotalMilliseconds, timeout + TimeSpan.FromSeconds(30));
        return (Double(p[0]), Double(p[1]), long.Parse(p[2], CultureInfo.InvariantCulture));
    }

    public long DecisionCount() => long.Parse(Ask("count")[0], CultureInfo.InvariantCulture);

    /// <summary>Polls the count (a short command each time, so other threads, the feeder, can ask too).</summary>
    public bool WaitForDecisions(long count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (DecisionCount() < count)
        {
            if (clock.Elapsed > timeout || process.HasExited)
            {
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }

    public double SecondsBetween(long from, long to) => Double(Ask($"span {from} {to}")[0]);

    public LatencyStats LatenciesAfter(long skip) => LatencyStats.Parse(string.Join(' ', Ask($"latencies {skip}")));

    public ProcessSample Sample() => ProcessSample.Parse(string.Join(' ', Ask("sample")));

    public RestoreProgress Progress() => RestoreProgress.Parse(string.Join(' ', Ask("progress")));

    /// <summary>How long a stop may take before the gate is killed.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(120);

    public double Stop()
    {
        if (stopped)
        {
            return 0;
        }
        stopped = true;
        try
        {
            var seconds = Double(Ask("stop", StopTimeout)[0]);
            process.WaitForExit(30_000);
            return seconds;
        }
        catch (TimeoutException)
        {
            // Seen twice in about ninety quick runs, after the restore: the run's figures stand, the stop is counted as killed.
            process.Kill(entireProcessTree: true);
            process.WaitForExit(30_000);
            return double.NaN;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            try
            {
                process.StandardInput.WriteLine("stop");
                process.StandardInput.Flush();
                if (!process.WaitForExit(60_000))
                {
                    process.Kill();
                }
            }
            catch (IOException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
        process.Dispose();
    }

    private readonly object conversation = new();

    private string[] Ask(string command, TimeSpan? timeout = null)
    {
        lock (conversation)
        {
            return AskLocked(command, timeout);
        }
    }

    private string[] AskLocked(string command, TimeSpan? timeout)
    {
        process.StandardInput.WriteLine(command);
        process.StandardInput.Flush();
        var read = Task.Run(ReadReply);
        if (!read.Wait(timeout ?? TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"the gate worker did not answer '{command}' in time. Its stderr:\n{Stderr()}");
        }
        return read.Result;
    }

    private string[] ReadReply()
    {
        while (true)
        {
            var line = process.StandardOutput.ReadLine()
                ?? throw new InvalidOperationException($"the gate worker exited (code {(process.WaitForExit(5_000) ? process.ExitCode : -1)}). Its stderr:\n{Stderr()}");
            if (line.StartsWith("@reply", StringComparison.Ordinal))
            {
                return line.Length > 7 ? line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            }
            if (line.StartsWith("@error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the gate worker failed: {line[6..].Trim()}\n{Stderr()}");
            }
        }
    }

    private string Stderr()
    {
        lock (stderr)
        {
            return stderr.ToString();
        }
    }

    private static double Double(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts this program again (as <c>rpo-bench</c> or as <c>dotnet rpo-bench.dll</c>) with <paramref name="args"/>,
    /// standard output and error redirected, Server GC or not; <paramref name="adjust"/> may change the rest.
    /// </summary>
    internal static Process StartSelf(IReadOnlyList<string> args, bool serverGc, Action<ProcessStartInfo>? adjust = null)
    {
        var info = SelfStartInfo(args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        adjust?.Invoke(info);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start rpo-bench {args[0]}");
    }

    /// <summary>How to start this program again (as <c>rpo-bench</c> or as <c>dotnet rpo-bench.dll</c>) with <paramref name="args"/>.</summary>
    internal static ProcessStartInfo SelfStartInfo(IReadOnlyList<string> args)
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(path) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(typeof(ChildProcessGate).Assembly.Location);
        }
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return info;
    }
}

/// <summary>The child side of <see cref="ChildProcessGate"/>: <c>rpo-bench gate-worker</c>.</summary>
internal static class GateWorkerLoop
{
    public static int Run(string bootstrap, string applicationId, int partitions, string stateDir, bool mockCompensation, bool developmentBroker)
    {
        var output = Console.Out;
        void Reply(string text)
        {
            output.WriteLine("@reply " + text);
            output.Flush();
        }
        GateWorker? worker = null;
        try
        {
            worker = new GateWorker(bootstrap, applicationId, partitions, stateDir, mockCompensation, developmentBroker);
            string? line;
            while ((line = Console.In.ReadLine()) != null)
            {
                var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (p.Length == 0)
                {
                    continue;
                }
                var inv = CultureInfo.InvariantCulture;
                switch (p[0])
                {
                    case "start":
                        {
                            var (running, restored, reported) = worker.Start(TimeSpan.FromMilliseconds(long.Parse(p[1], inv)));
                            Reply(FormattableString.Invariant($"{running:R} {restored:R} {reported}"));
                            break;
                        }
                    case "count":
                        Reply(worker.DecisionCount.ToString(inv));
                        break;
                    case "span":
                        Reply(worker.SecondsBetween(long.Parse(p[1], inv), long.Parse(p[2], inv)).ToString("R", inv));
                        break;
                    case "latencies":
                        Reply(LatencyStats.FromSeconds(worker.LatenciesAfter(long.Parse(p[1], inv))).ToLine());
                        break;
                    case "progress":
                        Reply(worker.Progress.ToLine());
                        break;
                    case "sample":
                        Reply(GateWorker.Sample().ToLine());
                        break;
                    case "stop":
                        {
                            var clock = Stopwatch.StartNew();
                            worker.Dispose();
                            Reply(clock.Elapsed.TotalSeconds.ToString("R", inv));
                            return 0;
                        }
                    default:
                        output.WriteLine($"@error unknown command {p[0]}");
                        output.Flush();
                        break;
                }
            }
            return 0;
        }
        catch (Exception e)
        {
            output.WriteLine("@error " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" "));
            output.Flush();
            Console.Error.WriteLine(e);
            return 1;
        }
        finally
        {
            worker?.Dispose();
        }
    }
}
