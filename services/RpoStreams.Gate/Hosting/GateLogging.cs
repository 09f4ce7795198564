using RpoStreams.Contracts;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Serilog for the gate, on stdout: in Development lines a person reads
/// (<c>[10:15:02 INF] RpoStreams.Gate.Hosting.GateService: Decided demo-…-i12 BLOCKED RPO_OPPOSITION …</c>),
/// elsewhere compact JSON, one event a line, for a log pipeline; <c>Logging:Format</c> (text or json) overrides
/// either. Every line goes through <see cref="MaskingSink"/>, so no phone number reaches the log, whoever wrote
/// the message. librdkafka's own lines come in through the Kafka client factory under the category <c>Kafka</c>.
/// </summary>
public static class GateLogging
{
    public static void AddGateLogging(this WebApplicationBuilder builder)
    {
        var format = builder.Configuration["Logging:Format"];
        var json = format is null || format.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? !builder.Environment.IsDevelopment()
            : format.Equals("json", StringComparison.OrdinalIgnoreCase);
        // A level Serilog cannot read throws while the logger is built, before the settings are checked: then the
        // configured levels are left out, and the check names the setting (SerilogProblem).
        var levelsReadable = SerilogProblem(builder.Configuration) is null;
        builder.Services.AddSerilog((services, logger) =>
        {
            if (levelsReadable)
            {
                logger.ReadFrom.Configuration(builder.Configuration);
            }
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("Streamiz", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Filter.ByExcluding(IsBadUrls)
                .WriteTo.Sink(new MaskingSink(ConsoleSink(json ? new CompactJsonFormatter() : null)));
        });
    }

    /// <summary>
    /// What Serilog cannot read in the <c>Serilog</c> section (a level that is not one, a switch never declared, ...), as one
    /// line; null when it reads it. Found by reading it as the gate does, so Serilog's own rules decide.
    /// </summary>
    public static string? SerilogProblem(IConfiguration configuration)
    {
        var section = configuration.GetSection("Serilog");
        if (!section.Exists())
        {
            return null;
        }
        if (section.AsEnumerable().Any(e => e.Key.Split(':').Any(k => k.Equals("WriteTo", StringComparison.OrdinalIgnoreCase) || k.Equals("AuditTo", StringComparison.OrdinalIgnoreCase))))
        {
            // A sink of its own would write past the masking sink, numbers and all.
            return "Serilog:WriteTo is not a setting of the gate: it logs to stdout only, through the sink that masks numbers";
        }
        try
        {
            // No sink is left to open (refused above): the trial writes nowhere.
            using var trial = new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"Serilog (its configuration section) cannot be read: {e.GetBaseException().Message}";
        }
    }

    /// <summary>
    /// The host's "Hosting failed to start" for an address Kestrel cannot listen on: a bad setting, which Program says in
    /// one line naming <c>Urls</c> (exit 2), as it says any other; the log would repeat it with a stack trace.
    /// </summary>
    private static bool IsBadUrls(LogEvent e) =>
        e.Exception is { } failure && e.Level == LogEventLevel.Error
        && e.Properties.TryGetValue(Serilog.Core.Constants.SourceContextPropertyName, out var source)
        && source is ScalarValue { Value: "Microsoft.Extensions.Hosting.Internal.Host" }
        && GateExit.OfHostFailure(failure).Code == 2;

    private static Logger ConsoleSink(Serilog.Formatting.ITextFormatter? formatter)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Verbose();
        var logger = formatter is null
            ? configuration.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateLogger()
            : configuration.WriteTo.Console(formatter).CreateLogger();
        return logger;
    }
}

/// <summary>
/// Rewrites every event so that anything that looks like a phone number is masked (text, properties and exceptions),
/// leaves out the HTTP request's path, and drops Streamiz's Debug lines, which carry records' bytes.
/// </summary>
public sealed class MaskingSink : ILogEventSink, IDisposable
{
    private static readonly MessageTemplateParser Parser = new();
    private const string RequestPath = "RequestPath";
    // Serilog's text of a byte array over 1 KB: the hex of its first 16 bytes and its length.
    private static readonly System.Text.RegularExpressions.Regex LongBytes = new(@"^[0-9A-F]{32}\.\.\. \((\d+) bytes\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    private readonly ILogEventSink inner;

    public MaskingSink(ILogEventSink inner)
    {
        this.inner = inner;
    }

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Information && IsStreamiz(logEvent))
        {
            // Streamiz logs every record's key and value at Debug: input records hold their subject, which in bytes no
            // mask can find. Whatever the configured levels, those lines are not written.
            return;
        }
        var template = logEvent.MessageTemplate.Text;
        var masked = LogSafe.Text(template);
        // ASP.NET's request scope adds the request's path to every line written while it is served: a path is what the
        // client chose to send (a number written with %20, an address), so it is never written.
        var properties = logEvent.Properties.Where(p => p.Key != RequestPath).Select(p => new LogEventProperty(p.Key, Mask(p.Value)));
        var exception = logEvent.Exception is null ? null : new MaskedException(logEvent.Exception);
        inner.Emit(new LogEvent(
            logEvent.Timestamp,
            logEvent.Level,
            exception,
            ReferenceEquals(masked, template) || masked == template ? logEvent.MessageTemplate : Parser.Parse(masked),
            properties,
            logEvent.TraceId ?? default,
            logEvent.SpanId ?? default));
    }

    private static bool IsStreamiz(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue(Serilog.Core.Constants.SourceContextPropertyName, out var source)
        && source is ScalarValue { Value: string name } && name.StartsWith("Streamiz", StringComparison.Ordinal);

    // Serilog writes an array of bytes as hex, one over 1 KB as the hex of its first 16 bytes and "... (N bytes)". A
    // number in hex cannot be recognized to be masked, so of a long one only the length is written. (The gate logs no
    // bytes of its own; Streamiz's Debug lines, which do, are dropped above.)
    private static LogEventPropertyValue Mask(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } when LongBytes.Match(s) is { Success: true } m => new ScalarValue($"({m.Groups[1].Value} bytes)"),
        ScalarValue { Value: string s } => new ScalarValue(LogSafe.Text(s)),
        SequenceValue seq => new SequenceValue(seq.Elements.Select(Mask)),
        StructureValue st => new StructureValue(st.Properties.Select(p => new LogEventProperty(p.Name, Mask(p.Value))), st.TypeTag),
        DictionaryValue d => new DictionaryValue(d.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>((ScalarValue)Mask(e.Key), Mask(e.Value)))),
        _ => value,
    };

    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <summary>An exception whose message and stack text are masked.</summary>
    private sealed class MaskedException(Exception inner) : Exception(LogSafe.Text(inner.Message))
    {
        public override string? StackTrace => LogSafe.Text(inner.StackTrace);

        public override string ToString() => LogSafe.Text(inner.ToString());
    }
}
