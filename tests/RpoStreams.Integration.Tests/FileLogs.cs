using System.Globalization;
using Microsoft.Extensions.Logging;

namespace RpoStreams.Integration.Tests;

/// <summary>Every log line of the gates a test starts in its own process, appended to one file with its time and thread.</summary>
public sealed class FileLogs(string path) : ILoggerProvider, ILogger
{
    private readonly Lock writing = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss.fff} [{Environment.CurrentManagedThreadId}] {logLevel} {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}\n");
        lock (writing)
        {
            File.AppendAllText(path, line);
        }
    }

    public void Dispose()
    {
    }
}
