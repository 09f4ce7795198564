using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>Every Kafka client the gate builds logs into the host's log: a refused connection is not silence.</summary>
public class KafkaClientFactoryTests
{
    [Fact]
    public async Task A_refused_connection_reaches_the_log_as_an_error()
    {
        // Given a factory whose log is captured, and a producer to a port nobody listens on
        using var loggers = new CapturingLoggers();
        using var clients = new KafkaClientFactory(new KafkaSettings(), loggers);
        using var producer = clients.CreateProducer<Null, string>(new ProducerConfig { BootstrapServers = "127.0.0.1:1", ClientId = "refused-test" });

        // When it tries to connect
        producer.Produce("any-topic", new Message<Null, string> { Value = "x" });

        // Then the log says so, at Warning or above, under the Kafka category
        await Wait.UntilAsync(
            () => loggers.Lines.Any(l => l.Level >= LogLevel.Warning && l.Category == KafkaClientFactory.LogCategory && l.Text.Contains("127.0.0.1:1", StringComparison.Ordinal)),
            loggers.Logged, TimeSpan.FromSeconds(20), "a Kafka log line about 127.0.0.1:1", TestContext.Current.CancellationToken,
            state: () => string.Join(" | ", loggers.Lines.Select(l => $"{l.Level} {l.Category}: {l.Text}")));
    }

    [Fact]
    public void A_line_a_client_repeats_is_written_once_in_ten_seconds()
    {
        // Given an admin client asking a port nobody listens on for three seconds (it connects about twenty times a second)
        using var loggers = new CapturingLoggers();
        using (var clients = new KafkaClientFactory(new KafkaSettings(), loggers))
        using (var admin = clients.CreateAdmin(new AdminClientConfig { BootstrapServers = "127.0.0.1:1", ClientId = "repeat-test" }))
        {
            Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(3)));
        }
        // (Disposing the factory wrote out every line its clients had queued.)

        // Then each refused-connection line was written once: it was written for every attempt, hundreds before the gate gave up
        var refused = loggers.Lines.Where(l => l.Text.Contains("Connection refused", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refused);
        Assert.True(refused.Count <= 2, $"{refused.Count} lines: " + string.Join(" | ", refused.Take(5).Select(l => l.Text)));
    }

    [Fact]
    public void Security_settings_reach_every_client_configuration_the_factory_makes()
    {
        var clients = new KafkaClientFactory(new KafkaSettings { BootstrapServers = "broker-1:9093", SecurityProtocol = "SaslSsl", SaslMechanism = "Plain", SaslUsername = "u" }, null);

        var config = clients.Configure(new ConsumerConfig());

        Assert.Equal("broker-1:9093", config.BootstrapServers);
        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(SaslMechanism.Plain, config.SaslMechanism);
        Assert.Equal("u", config.SaslUsername);
    }

    private sealed class CapturingLoggers : ILoggerFactory
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Text)> Lines { get; } = new();

        public Signal Logged { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggers owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                owner.Lines.Enqueue((category, logLevel, formatter(state, exception)));
                owner.Logged.Pulse();
            }
        }
    }
}
