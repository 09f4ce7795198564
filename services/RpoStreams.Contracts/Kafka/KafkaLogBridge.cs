using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace RpoStreams.Contracts.Kafka;

/// <summary>
/// Carries librdkafka's log lines and client errors into an <see cref="ILogger"/>. librdkafka calls the
/// handlers on its own threads, which must not block (a slow console would stall the client), so a handler
/// only queues the line; one task writes the queue to the logger. A full queue drops lines and says how many.
/// A line the same client logged in the last <see cref="RepeatWindow"/> (but for librdkafka's timings) is not written again: a broker that refuses
/// connections made hundreds of identical Error lines in the ten seconds before the gate gave up on it.
/// </summary>
internal sealed partial class KafkaLogBridge : IDisposable
{
    private const int Capacity = 10_000;

    private readonly ILogger logger;
    private readonly Channel<Line> lines = Channel.CreateBounded<Line>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task pump;
    private long dropped;

    /// <summary>How long a line written is not written again, and how many distinct lines are remembered for that.</summary>
    internal static readonly TimeSpan RepeatWindow = TimeSpan.FromSeconds(10);
    private const int Remembered = 1_000;
    private readonly Dictionary<(string Client, string Facility, string Message), (long At, int Repeats)> recent = [];

    private readonly record struct Line(LogLevel Level, string Client, string Facility, string Message);

    public KafkaLogBridge(ILogger logger)
    {
        this.logger = logger;
        pump = logger.IsEnabled(LogLevel.Critical) ? Task.Run(PumpAsync) : Task.CompletedTask;
    }

    /// <summary>The log handler of a client builder.</summary>
    public void OnLog(IClient client, LogMessage message) => Queue(LevelOf(message.Level), message.Name, message.Facility, message.Message);

    /// <summary>
    /// The error handler of a client builder. librdkafka retries what it reports here (a broker down, a
    /// connection refused) unless the error is fatal, so only a fatal one is an Error.
    /// </summary>
    public void OnError(IClient client, Error error) =>
        Queue(error.IsFatal ? LogLevel.Error : LogLevel.Warning, client.Name, error.Code.ToString(), error.Reason);

    /// <summary>syslog levels as librdkafka uses them: 0-2 critical, 3 error, 4 warning, 5-6 information, 7 debug.</summary>
    internal static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    private void Queue(LogLevel level, string client, string facility, string message)
    {
        if (!logger.IsEnabled(level))
        {
            return;
        }
        if (!lines.Writer.TryWrite(new Line(level, client, facility, message)))
        {
            Interlocked.Increment(ref dropped);
        }
    }

    private async Task PumpAsync()
    {
        await foreach (var line in lines.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var key = (line.Client, line.Facility, KafkaLogText.WithoutTiming(line.Message));
            var now = Environment.TickCount64;
            if (recent.TryGetValue(key, out var seen) && now - seen.At < RepeatWindow.TotalMilliseconds)
            {
                recent[key] = seen with { Repeats = seen.Repeats + 1 };
                continue;
            }
            if (recent.Count >= Remembered)
            {
                recent.Clear();
            }
            recent[key] = (now, 0);
            if (seen.Repeats > 0)
            {
                logger.Log(line.Level, "{KafkaClient} {Facility}: {KafkaMessage}" + KafkaLogText.RepeatsNote, line.Client, line.Facility, line.Message, seen.Repeats);
            }
            else
            {
                logger.Log(line.Level, "{KafkaClient} {Facility}: {KafkaMessage}", line.Client, line.Facility, line.Message);
            }
            var lost = Interlocked.Exchange(ref dropped, 0);
            if (lost > 0)
            {
                logger.LogWarning("{Count} Kafka client log lines were dropped: they came faster than the log is written", lost);
            }
        }
    }

    /// <summary>Writes what is queued (for at most two seconds) and stops.</summary>
    public void Dispose()
    {
        lines.Writer.TryComplete();
        pump.Wait(TimeSpan.FromSeconds(2));
    }
}

/// <summary>librdkafka's log text as the gate and <c>rpo</c> compare lines.</summary>
public static partial class KafkaLogText
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\(after \d+ms in state [A-Za-z_-]+(?:, \d+ identical error\(s\) suppressed)?\)", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Timing();

    /// <summary>
    /// A line without librdkafka's note of how long a connection took and in which state ("(after 0ms in state CONNECT, 3
    /// identical error(s) suppressed)"), which changes as the line repeats and is not part of what it says.
    /// </summary>
    public static string WithoutTiming(string line) => Timing().Replace(line, string.Empty);

    /// <summary>What the log bridge adds to a line it writes again after holding back its repeats.</summary>
    internal const string RepeatsNote = " (repeated {Repeats} times since it was last written)";

    [System.Text.RegularExpressions.GeneratedRegex(@" \(repeated [0-9]+ times since it was last written\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Repeats();

    /// <summary>A line the log bridge wrote, without its note of the repeats held back (<see cref="RepeatsNote"/>).</summary>
    public static string WithoutRepeats(string line) => Repeats().Replace(line, string.Empty);
}
