using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;

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
        Description = "Schema Registry URL; default: environment SchemaRegistry__Url, else the local registry built from schemas/",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SchemaRegistry__Url") ?? string.Empty,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Bootstrap);
        command.Options.Add(SchemaRegistry);
    }

    /// <summary>The bootstrap servers, or null after saying what is missing.</summary>
    public string? BootstrapOf(ParseResult parse, string command)
    {
        var value = parse.GetValue(Bootstrap);
        if (string.IsNullOrWhiteSpace(value))
        {
            Console.Error.WriteLine($"rpo {command}: --bootstrap HOST:PORT is required (or set Kafka__BootstrapServers)");
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
    /// The Kafka clients of a command: the security settings of the environment (<c>Kafka__SecurityProtocol</c>, ...),
    /// read as the gate reads them, and librdkafka's warnings and errors on stderr (a refused connection or a
    /// failed authentication says so instead of the command waiting in silence).
    /// </summary>
    public static KafkaClientFactory Clients(ILoggerFactory loggers)
    {
        var settings = FromEnvironment().GetSection("Kafka").Get<KafkaSettings>() ?? new KafkaSettings();
        return new KafkaClientFactory(settings, loggers);
    }

    private static IConfiguration FromEnvironment() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    /// <summary>A log for a command: warnings and errors, one line each, on stderr (stdout is the command's output).</summary>
    public static ILoggerFactory StderrLog() =>
        LoggerFactory.Create(log => log
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
