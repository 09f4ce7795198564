using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using RpoStreams.DevKafka;
using RpoStreams.Gate.Topology;
using Testcontainers.Kafka;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A Kafka broker for one test: the cluster named by KAFKA_BOOTSTRAP_SERVERS, a Testcontainers Kafka when
/// a Docker engine answers, or the embedded broker (librdkafka's mock cluster over TCP). Tests run on every
/// kind that is available here and skip the others with the reason.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public const string Embedded = "embedded";
    public const string Environment = "environment";
    public const string Container = "testcontainers";

    private readonly EmbeddedKafka? embedded;
    private readonly KafkaContainer? container;

    private TestBroker(string kind, string bootstrap, EmbeddedKafka? embedded, KafkaContainer? container)
    {
        Kind = kind;
        BootstrapServers = bootstrap;
        this.embedded = embedded;
        this.container = container;
    }

    public string Kind { get; }

    public string BootstrapServers { get; }

    public static TheoryData<string> Kinds() => new() { Embedded, Container, Environment };

    /// <summary>Starts (or connects to) a broker of the given kind, or skips the test saying what is missing.</summary>
    public static async Task<TestBroker> StartAsync(string kind)
    {
        switch (kind)
        {
            case Embedded:
                var kafka = EmbeddedKafka.Start();
                Say(kind, kafka.BootstrapServers);
                return new TestBroker(kind, kafka.BootstrapServers, kafka, null);
            case Environment:
                var bootstrap = System.Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
                if (string.IsNullOrWhiteSpace(bootstrap))
                {
                    Assert.Skip("KAFKA_BOOTSTRAP_SERVERS is not set: no external Kafka cluster to test against");
                }
                Say(kind, bootstrap);
                return new TestBroker(kind, bootstrap, null, null);
            case Container:
                if (!DockerEngine.Answers(out var reason))
                {
                    Assert.Skip($"no Docker engine for Testcontainers.Kafka: {reason}");
                }
                var c = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
                await c.StartAsync();
                Say(kind, c.GetBootstrapAddress());
                return new TestBroker(kind, c.GetBootstrapAddress(), null, c);
            default:
                throw new ArgumentException($"unknown broker kind {kind}");
        }
    }

    /// <summary>Creates the gate's topics: all of them on the embedded broker (it has no CreateTopics), the public ones elsewhere.</summary>
    public async Task CreateGateTopicsAsync(string applicationId, int partitions)
    {
        var all = GateTopology.AllTopics(applicationId, partitions);
        if (embedded != null)
        {
            embedded.CreateTopics(all);
            return;
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var existing = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic).ToHashSet();
        var wanted = all.Where(t => !t.Topic.StartsWith(applicationId + "-", StringComparison.Ordinal) && !existing.Contains(t.Topic))
            .Select(t => new TopicSpecification { Name = t.Topic, NumPartitions = t.Partitions, ReplicationFactor = 1 })
            .ToList();
        if (wanted.Count > 0)
        {
            try
            {
                await admin.CreateTopicsAsync(wanted);
            }
            catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
            }
        }
        EmbeddedKafka.WaitForTopics(BootstrapServers, [.. all.Where(t => !t.Topic.StartsWith(applicationId + "-", StringComparison.Ordinal))], TimeSpan.FromSeconds(30));
    }

    private static void Say(string kind, string bootstrap) =>
        TestContext.Current.SendDiagnosticMessage($"Kafka for this test: {kind} at {bootstrap}");

    /// <summary>The embedded broker answers the next <paramref name="count"/> requests of one Kafka API with <paramref name="error"/>.</summary>
    public void FailNextRequests(short apiKey, ErrorCode error, int count = 1) =>
        EmbeddedBroker("takes injected errors").FailNextRequests(apiKey, (int)error, count);

    /// <summary>From now on the embedded broker keeps the requests it receives (<see cref="RequestsReceived"/>).</summary>
    public void TrackRequests() => EmbeddedBroker("tracks no requests").TrackRequests();

    /// <summary>How many requests with API key <paramref name="apiKey"/> the embedded broker received since <see cref="TrackRequests"/>.</summary>
    public int RequestsReceived(short apiKey) => EmbeddedBroker("tracks no requests").RequestsReceived(apiKey);

    private EmbeddedKafka EmbeddedBroker(string what) =>
        embedded ?? throw new InvalidOperationException($"only the embedded broker {what}, not the {Kind} one");

    public async ValueTask DisposeAsync()
    {
        embedded?.Dispose();
        if (container != null)
        {
            await container.DisposeAsync();
        }
    }
}

/// <summary>Whether a Docker engine answers (the docker command alone is only a client).</summary>
public static class DockerEngine
{
    public static bool Answers(out string reason)
    {
        var host = System.Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socketPath = host is { } h && h.StartsWith("unix://", StringComparison.Ordinal) ? h["unix://".Length..] : "/var/run/docker.sock";
        if (host is { } tcp && tcp.StartsWith("tcp://", StringComparison.Ordinal))
        {
            reason = "";
            return true;
        }
        if (!File.Exists(socketPath))
        {
            reason = $"{socketPath} does not exist (the docker command here is only a client)";
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            socket.Send("GET /_ping HTTP/1.0\r\n\r\n"u8);
            var buffer = new byte[64];
            var read = socket.Receive(buffer);
            var answer = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            reason = answer.Contains(" 200 ", StringComparison.Ordinal) ? "" : $"{socketPath} answered: {answer.Split('\r')[0]}";
            return reason.Length == 0;
        }
        catch (SocketException e)
        {
            reason = $"{socketPath} does not answer: {e.Message}";
            return false;
        }
    }
}
