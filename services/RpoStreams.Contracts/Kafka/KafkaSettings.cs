using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;
using Streamiz.Kafka.Net;

namespace RpoStreams.Contracts.Kafka;

/// <summary>
/// Where Kafka is and how to reach it (section <c>Kafka</c>), for every client a process builds
/// (<see cref="KafkaClientFactory"/>). Empty BootstrapServers means the gate's embedded broker.
/// </summary>
public sealed class KafkaSettings
{
    /// <summary><c>host:port[,host:port]</c>; empty starts the embedded broker (development only).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Partitions of the gate's topics on the embedded broker, and of its repartition topics everywhere.</summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 4;

    /// <summary>Plaintext, Ssl, SaslPlaintext or SaslSsl.</summary>
    public string? SecurityProtocol { get; set; }

    /// <summary>Plain, ScramSha256, ScramSha512 or OAuthBearer (Gssapi is refused with a SASL protocol: this librdkafka has no Kerberos); required with one.</summary>
    public string? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    public string? SslCaLocation { get; set; }

    public string? SslCertificateLocation { get; set; }

    public string? SslKeyLocation { get; set; }

    public string? SslKeyPassword { get; set; }

    /// <summary>
    /// Whether the broker is a development broker without transactions (librdkafka's mock cluster). Unset: the
    /// embedded broker is, and so is a cluster whose metadata shows the marker topic <c>rpo devkafka</c> creates.
    /// </summary>
    public bool? DevelopmentBroker { get; set; }

    /// <summary>True when no cluster is configured and the gate runs its own broker.</summary>
    public bool UseEmbedded => string.IsNullOrWhiteSpace(BootstrapServers);

    /// <summary>Copies the security settings onto a client configuration (the one place that does).</summary>
    public T ApplySecurity<T>(T config) where T : ClientConfig
    {
        if (TryRead<SecurityProtocol>(SecurityProtocol, out var protocol))
        {
            config.SecurityProtocol = protocol;
        }
        if (TryRead<SaslMechanism>(SaslMechanism, out var mechanism))
        {
            config.SaslMechanism = mechanism;
        }
        config.SaslUsername = NullIfEmpty(SaslUsername);
        config.SaslPassword = NullIfEmpty(SaslPassword);
        config.SslCaLocation = NullIfEmpty(SslCaLocation);
        config.SslCertificateLocation = NullIfEmpty(SslCertificateLocation);
        config.SslKeyLocation = NullIfEmpty(SslKeyLocation);
        config.SslKeyPassword = NullIfEmpty(SslKeyPassword);
        return config;
    }

    /// <summary>
    /// The same settings on Streamiz's configuration, which passes them to every client the stream builds. It is
    /// not a <see cref="ClientConfig"/>: the values the client mapping above gives are copied over.
    /// </summary>
    public StreamConfig ApplySecurity(StreamConfig config)
    {
        var client = ApplySecurity(new ClientConfig());
        config.SecurityProtocol = client.SecurityProtocol;
        config.SaslMechanism = client.SaslMechanism;
        config.SaslUsername = client.SaslUsername;
        config.SaslPassword = client.SaslPassword;
        config.SslCaLocation = client.SslCaLocation;
        config.SslCertificateLocation = client.SslCertificateLocation;
        config.SslKeyLocation = client.SslKeyLocation;
        config.SslKeyPassword = client.SslKeyPassword;
        return config;
    }

    /// <summary>What is wrong besides ranges (those are attributes), one line per problem naming the setting.</summary>
    public IEnumerable<string> Validate(bool development)
    {
        if (UseEmbedded && !development)
        {
            yield return "Kafka:BootstrapServers is required outside Development (the embedded broker is librdkafka's mock cluster, for development only; set Kafka__BootstrapServers)";
        }
        if (!string.IsNullOrWhiteSpace(SecurityProtocol) && !TryRead<SecurityProtocol>(SecurityProtocol, out _))
        {
            yield return $"Kafka:SecurityProtocol '{SecurityProtocol}' must be one of {string.Join(", ", Enum.GetNames<SecurityProtocol>())} (or as Kafka writes them: SASL_SSL, ...)";
        }
        var mechanismRead = TryRead<SaslMechanism>(SaslMechanism, out var mechanism);
        if (!string.IsNullOrWhiteSpace(SaslMechanism) && !mechanismRead)
        {
            yield return $"Kafka:SaslMechanism '{SaslMechanism}' must be one of {string.Join(", ", Enum.GetNames<SaslMechanism>())} (or as Kafka writes them: SCRAM-SHA-512, ...)";
        }
        var saslProtocol = TryRead<SecurityProtocol>(SecurityProtocol, out var sasl) && sasl is Confluent.Kafka.SecurityProtocol.SaslPlaintext or Confluent.Kafka.SecurityProtocol.SaslSsl;
        if (saslProtocol && string.IsNullOrWhiteSpace(SaslMechanism))
        {
            // librdkafka would fall back to GSSAPI, which this build of it cannot do (below).
            yield return $"Kafka:SaslMechanism is required with Kafka:SecurityProtocol {SecurityProtocol} (Plain, ScramSha256 or ScramSha512)";
        }
        if (saslProtocol && mechanismRead && mechanism == Confluent.Kafka.SaslMechanism.Gssapi)
        {
            yield return "Kafka:SaslMechanism Gssapi (Kerberos) is not supported by the gate's Kafka client (librdkafka is built without it): use Plain, ScramSha256 or ScramSha512";
        }
        if (saslProtocol
            && mechanismRead && mechanism is Confluent.Kafka.SaslMechanism.Plain or Confluent.Kafka.SaslMechanism.ScramSha256 or Confluent.Kafka.SaslMechanism.ScramSha512
            && (string.IsNullOrWhiteSpace(SaslUsername) || string.IsNullOrWhiteSpace(SaslPassword)))
        {
            yield return $"Kafka:SaslUsername and Kafka:SaslPassword are required with Kafka:SaslMechanism {SaslMechanism}";
        }
        if (!UseEmbedded)
        {
            foreach (var server in BootstrapServers!.Split(',', StringSplitOptions.TrimEntries))
            {
                var colon = server.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port) || port is < 1 or > 65535)
                {
                    yield return $"Kafka:BootstrapServers '{BootstrapServers}' must be host:port[,host:port]";
                    // Said once for the list; the certificate files below are still checked.
                    break;
                }
            }
        }
        foreach (var missing in SettingFiles.Missing("Kafka", (nameof(SslCaLocation), SslCaLocation), (nameof(SslCertificateLocation), SslCertificateLocation), (nameof(SslKeyLocation), SslKeyLocation)))
        {
            yield return missing;
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>
    /// A name of <typeparamref name="T"/> in any case, also as Kafka and librdkafka write it (<c>SASL_SSL</c>,
    /// <c>SCRAM-SHA-512</c>); never a number.
    /// </summary>
    private static bool TryRead<T>(string? text, out T value) where T : struct, Enum
    {
        var name = text?.Trim().Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        value = default;
        return !string.IsNullOrEmpty(name) && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit)
            && Enum.TryParse(name, ignoreCase: true, out value) && Enum.IsDefined(value);
    }
}
