using System.CommandLine;
using Confluent.Kafka;
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

    public RecordSerdes Serdes(ParseResult parse)
    {
        var url = parse.GetValue(SchemaRegistry);
        var settings = new SchemaRegistrySettings { Url = string.IsNullOrWhiteSpace(url) ? null : url };
        return new RecordSerdes(SchemaRegistries.Create(settings), settings.IsRemote);
    }

    /// <summary>Security settings from the environment (Kafka__SecurityProtocol, ...), as the gate reads them.</summary>
    public static void ApplyEnvironmentSecurity(ClientConfig config)
    {
        var settings = new RpoStreams.Gate.Hosting.KafkaSettings
        {
            SecurityProtocol = Environment.GetEnvironmentVariable("Kafka__SecurityProtocol"),
            SaslMechanism = Environment.GetEnvironmentVariable("Kafka__SaslMechanism"),
            SaslUsername = Environment.GetEnvironmentVariable("Kafka__SaslUsername"),
            SaslPassword = Environment.GetEnvironmentVariable("Kafka__SaslPassword"),
            SslCaLocation = Environment.GetEnvironmentVariable("Kafka__SslCaLocation"),
            SslCertificateLocation = Environment.GetEnvironmentVariable("Kafka__SslCertificateLocation"),
            SslKeyLocation = Environment.GetEnvironmentVariable("Kafka__SslKeyLocation"),
            SslKeyPassword = Environment.GetEnvironmentVariable("Kafka__SslKeyPassword"),
        };
        settings.ApplySecurity(config);
    }
}
