using Microsoft.Extensions.Logging;

namespace RpoStreams.Bench;

/// <summary>
/// The logger factory handed to Streamiz: silences Streamiz and librdkafka (everything is dropped) but
/// watches each stream thread's "Restoration took Nms for all tasks", which it logs once every task of that
/// thread has been restored from its changelogs and is RUNNING. <see cref="Restored"/> fires when every stream
/// thread has said so (<see cref="Threads"/>): the first to finish is not the restore's end.
/// </summary>
internal sealed class RestorationWatcher : ILoggerFactory
{
    private readonly Lock sync = new();
    /// <summary>Stream threads that have reported (Streamiz logs again after a later rebalance; the line names no thread).</summary>
    private readonly HashSet<int> reported = [];
    private long reportedMs = -1;
    private long longest = -1;

    public event Action? Restored;

    /// <summary>Stream threads that each report their restoration.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>The longest "Restoration took" of the threads, once all have reported; -1 until then.</summary>
    public long ReportedMs => Interlocked.Read(ref reportedMs);

    public ILogger CreateLogger(string categoryName) => new Watcher(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Saw(string message)
    {
        // "Restoration took 1234ms for all tasks 0-0,0-1,..."
        const string prefix = "Restoration took ";
        var start = message.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return;
        }
        var rest = message[(start + prefix.Length)..];
        var end = rest.IndexOf("ms", StringComparison.Ordinal);
        lock (sync)
        {
            if (end > 0 && long.TryParse(rest[..end], System.Globalization.CultureInfo.InvariantCulture, out var ms))
            {
                longest = Math.Max(longest, ms);
            }
            reported.Add(Environment.CurrentManagedThreadId);
            if (reported.Count < Threads)
            {
                return;
            }
            Interlocked.Exchange(ref reportedMs, longest);
        }
        Restored?.Invoke();
    }

    /// <summary>When RPO_BENCH_GATE_LOG names a file, every Streamiz and librdkafka message at Information or above goes there (diagnosis only).</summary>
    private static readonly StreamWriter? Diagnostic = Environment.GetEnvironmentVariable("RPO_BENCH_GATE_LOG") is { Length: > 0 } path
        ? new StreamWriter(path, append: true) { AutoFlush = true }
        : null;

    private sealed class Watcher(RestorationWatcher owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Information || (Diagnostic != null && logLevel > LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (Diagnostic != null)
            {
                lock (Diagnostic)
                {
                    Diagnostic.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {message} {exception?.Message}");
                }
            }
            if (logLevel == LogLevel.Information && message.Contains("Restoration took ", StringComparison.Ordinal))
            {
                owner.Saw(message);
            }
        }
    }
}
