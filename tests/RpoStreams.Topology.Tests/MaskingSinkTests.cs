using System.Globalization;
using System.Text;
using RpoStreams.Gate.Hosting;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit;

namespace RpoStreams.Topology.Tests;

/// <summary>The gate's log sink writes no raw number: not as text, and not inside a record's bytes (Streamiz logs keys and values at Debug).</summary>
public class MaskingSinkTests
{
    private const string Number = "+393331234567";

    [Fact]
    public void A_number_in_text_bytes_or_a_dictionary_key_is_not_written()
    {
        var written = new Collector();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new MaskingSink(written)).CreateLogger();
        var large = Encoding.UTF8.GetBytes(Number + new string(' ', 2000));

        logger.Information("Value {Value} dialled {Dialled}", large, Number);
        logger.Information("Contacts {Contacts}", new Dictionary<string, int> { [Number] = 1 });

        var text = written.Text();
        Assert.Equal(2, written.Count);
        Assert.DoesNotContain("3331234567", text, StringComparison.Ordinal);
        Assert.DoesNotContain(HexOfNumber, text, StringComparison.Ordinal);
        Assert.Contains($"({large.Length} bytes)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Streamiz_debug_lines_with_record_bytes_are_not_written_whatever_the_level()
    {
        var written = new Collector();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new MaskingSink(written)).CreateLogger();
        var streamiz = logger.ForContext(Constants.SourceContextPropertyName, "Streamiz.Kafka.Net.Processors.SourceProcessor");

        streamiz.Debug("Process<{KeyType},{ValueType}> message with key {Key} and {Value}", "byte[]", "byte[]", Encoding.UTF8.GetBytes(Number), Encoding.UTF8.GetBytes(Number));
        streamiz.Information("stream-thread changed state");

        Assert.Equal(1, written.Count);
        Assert.DoesNotContain(HexOfNumber, written.Text(), StringComparison.Ordinal);
    }

    private static string HexOfNumber => Convert.ToHexString(Encoding.UTF8.GetBytes("3331234"));

    private sealed class Collector : ILogEventSink
    {
        private readonly List<LogEvent> events = [];

        public void Emit(LogEvent logEvent) => events.Add(logEvent);

        public int Count => events.Count;

        public string Text() => string.Join('\n', events.Select(e => e.RenderMessage(CultureInfo.InvariantCulture)));
    }
}
