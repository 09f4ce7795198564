using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;

namespace RpoStreams.Integration.Tests;

/// <summary>The gate's topology in a Streamiz KafkaStream inside the test process, configured like the service.</summary>
public sealed class RunningGate : IDisposable
{
    private readonly KafkaStream stream;

    private RunningGate(KafkaStream stream, GateConfiguration config, GateMetrics metrics)
    {
        this.stream = stream;
        Config = config;
        Metrics = metrics;
    }

    public GateConfiguration Config { get; }

    public GateMetrics Metrics { get; }

    public static async Task<RunningGate> StartAsync(string bootstrap, string applicationId, int partitions, string stateDir, bool exactlyOnce = true)
    {
        var config = new GateConfiguration
        {
            Kafka = new KafkaSettings { BootstrapServers = bootstrap, Partitions = partitions },
            Streams = new StreamsSettings { ApplicationId = applicationId, StateDir = stateDir, Guarantee = exactlyOnce ? "ExactlyOnce" : "AtLeastOnce" },
            Subjects = new SubjectSettings { HashSecret = "integration-tests-secret" },
            Development = true,
        };
        var metrics = new GateMetrics();
        var options = config.TopologyOptions(RecordSerdes.Local(), metrics, null, SystemClock.Instance, exactlyOnce: exactlyOnce);
        var stream = new KafkaStream(GateTopology.Build(options), GateStreamConfig.Create(config, bootstrap, exactlyOnce, NullLoggerFactory.Instance));
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stream.StateChanged += (_, now) =>
        {
            if (now == KafkaStream.State.RUNNING)
            {
                running.TrySetResult();
            }
            else if (now == KafkaStream.State.ERROR)
            {
                running.TrySetException(new InvalidOperationException("the gate stream went to ERROR"));
            }
        };
        await stream.StartAsync();
        await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new RunningGate(stream, config, metrics);
    }

    public void Dispose() => stream.Dispose();
}

/// <summary>Follows a topic from the beginning with read_committed until a condition holds or a deadline passes (records still arriving count).</summary>
public static class TopicFollower
{
    public static List<(byte[]? Key, T Value)> ReadUntil<T>(
        string bootstrap, string topic, Func<byte[], T> decode, Func<IReadOnlyList<(byte[]? Key, T Value)>, bool> done, TimeSpan timeout)
    {
        using var consumer = KafkaClientFactory.Unconfigured.CreateConsumer<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        });
        consumer.Subscribe(topic);
        var seen = new List<(byte[]?, T)>();
        var clock = Stopwatch.StartNew();
        while (!done(seen) && clock.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message?.Value is { } value)
            {
                seen.Add((result.Message.Key, decode(value)));
            }
        }
        consumer.Close();
        return seen;
    }
}
