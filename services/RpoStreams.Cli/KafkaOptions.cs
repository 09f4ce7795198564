using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Cli;

/// <summary>The options every Kafka-facing command shares, defined once.</summary>
internal sealed class KafkaOptions
{
    public Option<string> Bootstrap { get; } = new("--bootstrap")
    {
        Description = "Kafka bootstrap servers, HOST:PORT (the gate logs its embedded broker's address); default: environment Kafka__BootstrapServers",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Kafka__BootstrapServers") ?? string.Empty,
    };

    public Option<string> SchemaRegistry { get; } = new("--schema-registry")
    {
        Description = "Schema Registry URL; default: environment SchemaRegistry__Url, else (but for schemas) the local registry built from schemas/",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SchemaRegistry__Url") ?? string.Empty,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Bootstrap);
        command.Options.Add(SchemaRegistry);
    }

    /// <summary>The bootstrap servers, or null after saying what is missing or wrong (the environment's Kafka settings too, as the gate checks them).</summary>
    public string? BootstrapOf(ParseResult parse, string command)
    {
        if (SettingsProblem() is { } shape)
        {
            Console.Error.WriteLine($"rpo {command}: {shape}");
            return null;
        }
        var value = parse.GetValue(Bootstrap);
        if (string.IsNullOrWhiteSpace(value))
        {
            Console.Error.WriteLine($"rpo {command}: --bootstrap HOST:PORT is required (or set Kafka__BootstrapServers)");
            return null;
        }
        var settings = Settings();
        settings.BootstrapServers = value;
        if (settings.Validate(development: true).FirstOrDefault() is { } problem)
        {
            Console.Error.WriteLine($"rpo {command}: {problem}");
            return null;
        }
        return value;
    }

    /// <summary>
    /// Serdes over the registry of <c>--schema-registry</c>, with the authentication and TLS settings of the
    /// environment (<c>SchemaRegistry__BasicAuthUserInfo</c>, ...), read as the gate reads them.
    /// </summary>
    public RecordSerdes Serdes(ParseResult parse)
    {
        var settings = RegistrySettings(parse);
        return new RecordSerdes(SchemaRegistries.Create(settings), settings.IsRemote);
    }

    /// <summary>The registry client of <c>--schema-registry</c>, with the environment's authentication and TLS settings.</summary>
    public Confluent.SchemaRegistry.ISchemaRegistryClient Registry(ParseResult parse) => SchemaRegistries.Create(RegistrySettings(parse));

    private SchemaRegistrySettings RegistrySettings(ParseResult parse)
    {
        var url = parse.GetValue(SchemaRegistry);
        var settings = FromEnvironment().GetSection("SchemaRegistry").Get<SchemaRegistrySettings>() ?? new SchemaRegistrySettings();
        settings.Url = string.IsNullOrWhiteSpace(url) ? null : url;
        return settings;
    }

    /// <summary>
    /// The Kafka clients of a command, once the cluster has answered a metadata request within 10 s (so a wrong address
    /// fails at once, in one line, instead of after the command's own waits); null after saying it did not. They carry
    /// the security settings of the environment (<c>Kafka__SecurityProtocol</c>, ...), read as the gate reads them, and
    /// write librdkafka's warnings and errors on stderr.
    /// </summary>
    public static KafkaClientFactory? Connect(string bootstrap, string command)
    {
        var clients = new KafkaClientFactory(Settings(), StderrLog);
        try
        {
            using var admin = clients.CreateAdmin(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 10_000, ClientId = $"rpo-{command}-preflight" });
            admin.GetMetadata(TimeSpan.FromSeconds(10));
            return clients;
        }
        catch (KafkaException e)
        {
            Console.Error.WriteLine($"rpo {command}: Kafka at {bootstrap} is not reachable: {e.Error.Reason}");
            clients.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The first of the environment's registry settings, and Kafka settings unless <paramref name="kafka"/> is false, that
    /// the gate would refuse too: misspelt or given in the wrong shape (<see cref="SettingShapes"/>).
    /// </summary>
    public static string? SettingsProblem(bool kafka = true)
    {
        var environment = FromEnvironment();
        return (kafka ? SettingShapes.Problems(environment, "Kafka", typeof(KafkaSettings)) : [])
            .Concat(SettingShapes.Problems(environment, "SchemaRegistry", typeof(SchemaRegistrySettings)))
            .FirstOrDefault();
    }

    private static KafkaSettings Settings() => FromEnvironment().GetSection("Kafka").Get<KafkaSettings>() ?? new KafkaSettings();

    private static IConfiguration FromEnvironment() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    /// <summary>
    /// A log for a command: warnings and errors on stderr (stdout is the command's output), each distinct line once: a
    /// broker that does not answer makes librdkafka repeat the same error with every retry.
    /// </summary>
    private static readonly ILoggerFactory StderrLog =
        LoggerFactory.Create(log => log.SetMinimumLevel(LogLevel.Warning).AddProvider(new DistinctLines()));

    private sealed class DistinctLines : ILoggerProvider, ILogger
    {
        /// <summary>Lines remembered; past them, lines are written again rather than remembered without bound.</summary>
        private const int Remembered = 1000;

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> written = new(StringComparer.Ordinal);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var line = Contracts.LogSafe.Text(formatter(state, exception));
            // The same line as the Kafka log bridge reads it, without its count of repeats: written once already.
            if (written.Count >= Remembered || written.TryAdd(KafkaLogText.WithoutTiming(KafkaLogText.WithoutRepeats(line)), 0))
            {
                Console.Error.WriteLine($"{(logLevel >= LogLevel.Error ? "error" : "warning")}: {line}");
            }
        }

        public void Dispose()
        {
        }
    }
}
