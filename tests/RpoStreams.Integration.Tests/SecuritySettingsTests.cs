using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Integration.Tests;

/// <summary>Security settings reach every Kafka client the gate makes, and the Schema Registry client.</summary>
public class SecuritySettingsTests
{
    private static KafkaSettings Secured() => new()
    {
        BootstrapServers = "broker-1:9093",
        SecurityProtocol = "SaslSsl",
        SaslMechanism = "ScramSha512",
        SaslUsername = "rpo-gate",
        SaslPassword = "s3cret",
        SslCaLocation = null,
    };

    [Fact]
    public void Streamiz_configuration_carries_sasl_ssl()
    {
        var config = new GateConfiguration { Kafka = Secured(), Subjects = new SubjectSettings { HashSecret = "security-tests-secret" } };

        var streams = GateStreamConfig.Create(config, "broker-1:9093", exactlyOnce: true, NullLoggerFactory.Instance);

        Assert.Equal(SecurityProtocol.SaslSsl, streams.SecurityProtocol);
        Assert.Equal(SaslMechanism.ScramSha512, streams.SaslMechanism);
        Assert.Equal("rpo-gate", streams.SaslUsername);
        Assert.Equal("s3cret", streams.SaslPassword);
    }

    [Fact]
    public void Producer_consumer_and_admin_configurations_carry_sasl_ssl()
    {
        var kafka = Secured();
        foreach (ClientConfig client in new ClientConfig[] { new ProducerConfig(), new ConsumerConfig(), new AdminClientConfig() })
        {
            kafka.ApplySecurity(client);

            Assert.Equal(SecurityProtocol.SaslSsl, client.SecurityProtocol);
            Assert.Equal(SaslMechanism.ScramSha512, client.SaslMechanism);
            Assert.Equal("rpo-gate", client.SaslUsername);
        }
    }

    [Fact]
    public void Schema_registry_client_gets_basic_auth_and_tls_settings()
    {
        // The registry client loads the CA file when it is built, so the test gives it a real one.
        var caPath = Path.Combine(Path.GetTempPath(), $"rpo-ca-{Guid.NewGuid():N}.pem");
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
                "CN=rpo-test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(caPath, ca.ExportCertificatePem());
        }
        try
        {
            var settings = new SchemaRegistrySettings { Url = "https://registry:8081", BasicAuthUserInfo = "user:pass", SslCaLocation = caPath };

            using var client = SchemaRegistries.Create(settings);

            var config = client.Config.ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal("https://registry:8081", config["schema.registry.url"]);
            Assert.Equal("user:pass", config["schema.registry.basic.auth.user.info"]);
            Assert.Equal(caPath, config["schema.registry.ssl.ca.location"]);
        }
        finally
        {
            File.Delete(caPath);
        }
    }

    [Fact]
    public void A_bad_security_protocol_is_named_at_start()
    {
        var problems = new KafkaSettings { BootstrapServers = "b:9092", SecurityProtocol = "Tls" }.Validate(development: false).ToList();

        Assert.Contains(problems, p => p.StartsWith("Kafka:SecurityProtocol 'Tls' must be one of", StringComparison.Ordinal));
    }

    /// <summary>A password mechanism without its credentials is named before librdkafka refuses it in its own words; OAUTHBEARER needs none here.</summary>
    [Theory]
    [InlineData("SaslSsl", "ScramSha512", null, "secret", false)]
    [InlineData("SASL_PLAINTEXT", "PLAIN", "gate", null, false)]
    [InlineData("SaslSsl", "OAuthBearer", null, null, true)]
    [InlineData("Ssl", "Plain", null, null, true)]
    public void A_password_mechanism_needs_a_username_and_a_password(string protocol, string mechanism, string? username, string? password, bool valid)
    {
        var problems = new KafkaSettings { BootstrapServers = "b:9092", SecurityProtocol = protocol, SaslMechanism = mechanism, SaslUsername = username, SaslPassword = password }.Validate(development: false).ToList();

        Assert.Equal(valid, problems.Count == 0);
        Assert.All(problems, p => Assert.Equal($"Kafka:SaslUsername and Kafka:SaslPassword are required with Kafka:SaslMechanism {mechanism}", p));
    }

    /// <summary>
    /// SASL without a mechanism would be GSSAPI (librdkafka's default), which the gate's librdkafka is built without: named at
    /// start, as is GSSAPI itself, rather than failing after the ports open with a stack trace.
    /// </summary>
    [Theory]
    [InlineData("SaslSsl", null, "Kafka:SaslMechanism is required with Kafka:SecurityProtocol SaslSsl (Plain, ScramSha256 or ScramSha512)")]
    [InlineData("SASL_PLAINTEXT", " ", "Kafka:SaslMechanism is required with Kafka:SecurityProtocol SASL_PLAINTEXT (Plain, ScramSha256 or ScramSha512)")]
    [InlineData("SaslSsl", "GSSAPI", "Kafka:SaslMechanism Gssapi (Kerberos) is not supported by the gate's Kafka client (librdkafka is built without it): use Plain, ScramSha256 or ScramSha512")]
    [InlineData("Ssl", "Gssapi", null)]
    public void Sasl_needs_a_mechanism_the_client_has(string protocol, string? mechanism, string? problem)
    {
        var problems = new KafkaSettings { BootstrapServers = "b:9092", SecurityProtocol = protocol, SaslMechanism = mechanism }.Validate(development: false).ToList();

        Assert.Equal(problem is null ? [] : [problem], problems);
    }

    /// <summary>A malformed bootstrap list is named once, and does not hide a certificate file that is not there.</summary>
    [Fact]
    public void A_malformed_bootstrap_list_does_not_hide_a_missing_certificate()
    {
        var problems = new KafkaSettings { BootstrapServers = "kafka,also-kafka", SecurityProtocol = "Ssl", SslCaLocation = "/nonexistent/ca.pem" }.Validate(development: false).ToList();

        Assert.Equal(["Kafka:BootstrapServers 'kafka,also-kafka' must be host:port[,host:port]", "Kafka:SslCaLocation '/nonexistent/ca.pem' does not exist"], problems);
    }

    /// <summary>Kafka's own spellings work as the .NET names do; a number is not a protocol.</summary>
    [Theory]
    [InlineData("SASL_SSL", "SCRAM-SHA-512", true)]
    [InlineData("sasl_plaintext", "scram-sha-256", true)]
    [InlineData("SaslSsl", "OAUTHBEARER", true)]
    [InlineData("3", "Plain", false)]
    [InlineData("SaslSsl", "1", false)]
    [InlineData("SaslPlaintext,Ssl", "Plain", false)]
    [InlineData("+3", "Plain", false)]
    public void Kafkas_spellings_of_the_security_settings_are_read(string protocol, string mechanism, bool valid)
    {
        var settings = new KafkaSettings { BootstrapServers = "b:9092", SecurityProtocol = protocol, SaslMechanism = mechanism, SaslUsername = "gate", SaslPassword = "secret" };

        Assert.Equal(valid, !settings.Validate(development: false).Any());
        if (valid)
        {
            var client = settings.ApplySecurity(new Confluent.Kafka.ClientConfig());
            Assert.NotNull(client.SecurityProtocol);
            Assert.NotNull(client.SaslMechanism);
        }
    }
}
