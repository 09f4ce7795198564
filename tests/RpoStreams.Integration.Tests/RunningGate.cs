using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The gate in the test process, built as the service builds it (<see cref="StreamingGate"/>): on Kafka's
/// exactly-once path, or with <c>developmentBroker</c> on the development broker's at-least-once one.
/// </summary>
public sealed class RunningGate : IDisposable
{
    /// <summary>The subjectRef secret of every gate these tests start.</summary>
    public const string HashSecret = "integration-tests-secret";

    private readonly StreamingGate gate;

    private RunningGate(StreamingGate gate, GateConfiguration config, GateMetrics metrics, ConcurrentQueue<string> stoppedThreads)
    {
        this.gate = gate;
        Config = config;
        Metrics = metrics;
        StoppedThreads = stoppedThreads;
    }

    /// <summary>The gates' logs: none, unless RPO_TEST_LOG names a file to append them to (a failing test's story).</summary>
    private static readonly ILoggerFactory Loggers = System.Environment.GetEnvironmentVariable("RPO_TEST_LOG") is { Length: > 0 } path
        ? LoggerFactory.Create(b => b.AddProvider(new FileLogs(path)).SetMinimumLevel(LogLevel.Information))
        : NullLoggerFactory.Instance;

    public GateConfiguration Config { get; }

    public GateMetrics Metrics { get; }

    /// <summary>Why each stream thread that stopped did (<see cref="StreamingGate.StreamThreadStopped"/>: the service would exit with code 4).</summary>
    public IReadOnlyCollection<string> StoppedThreads { get; }

    public static async Task<RunningGate> StartAsync(
        string bootstrap, string applicationId, int partitions, string stateDir, bool developmentBroker = false, Action<StreamsSettings>? streams = null,
        Action<StreamConfig>? tune = null, RecordSerdes? serdes = null)
    {
        var config = Configuration(bootstrap, applicationId, partitions, stateDir);
        streams?.Invoke(config.Streams);
        var metrics = new GateMetrics();
        var stoppedThreads = new ConcurrentQueue<string>();
        StreamingGate? gate = null;
        TaskCompletionSource running = null!;
        StreamingGate started;
        try
        {
            // As the service starts it (GateService), a start lost to Streamiz's global-store race tried again.
            started = await StreamingGate.StartAsync(() =>
            {
                gate = new StreamingGate(config, bootstrap, developmentBroker, serdes ?? RecordSerdes.Local(), metrics, KafkaClientFactory.Unconfigured, Loggers, tune: tune);
                gate.StreamThreadStopped += stoppedThreads.Enqueue;
                var state = running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                gate.Stream.StateChanged += (_, now) =>
                {
                    if (now == KafkaStream.State.RUNNING)
                    {
                        state.TrySetResult();
                    }
                    else if (now == KafkaStream.State.ERROR)
                    {
                        state.TrySetException(new InvalidOperationException("the gate stream went to ERROR"));
                    }
                };
                return gate;
            }, retrying: null, CancellationToken.None);
            await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            gate?.Stop(failed: true);
            throw;
        }
        return new RunningGate(started, config, metrics, stoppedThreads);
    }

    /// <summary>The settings of a test gate: the service's defaults, but for the broker, partitions, state dir and secret.</summary>
    public static GateConfiguration Configuration(string bootstrap, string applicationId, int partitions, string stateDir) => new()
    {
        Kafka = new KafkaSettings { BootstrapServers = bootstrap, Partitions = partitions },
        Streams = new StreamsSettings { ApplicationId = applicationId, StateDir = stateDir },
        Subjects = new SubjectSettings { HashSecret = HashSecret },
        Development = true,
    };

    public void Dispose()
    {
        gate.Stop(failed: false);
    }
}

/// <summary>Follows a topic from the beginning with read_committed until a condition holds or a deadline passes (records still arriving count).</summary>
public static class TopicFollower
{
    /// <summary>
    /// Every record until <paramref name="done"/> holds, and then what is already there after them (until a read finds
    /// nothing for half a second): a duplicate written after the records the condition needed is still seen.
    /// </summary>
    public static List<(byte[]? Key, T Value)> ReadUntil<T>(
        string bootstrap, string topic, Func<byte[], T> decode, Func<IReadOnlyList<(byte[]? Key, T Value)>, bool> done, TimeSpan timeout) =>
        Follow(bootstrap, topic, r => (r.Message.Key, decode(r.Message.Value)), done, timeout, readOn: true);

    /// <summary>The first <paramref name="count"/> records of a topic (fewer if the deadline passes), headers included.</summary>
    public static List<Message<byte[]?, byte[]>> Records(string bootstrap, string topic, int count, TimeSpan timeout) =>
        Follow(bootstrap, topic, r => r.Message, seen => seen.Count >= count, timeout);

    private static List<TKept> Follow<TKept>(
        string bootstrap, string topic, Func<ConsumeResult<byte[]?, byte[]>, TKept> keep, Func<IReadOnlyList<TKept>, bool> done, TimeSpan timeout, bool readOn = false)
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
        var seen = new List<TKept>();
        var clock = Stopwatch.StartNew();
        while (!done(seen) && clock.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message?.Value is not null)
            {
                seen.Add(keep(result));
            }
        }
        while (readOn && done(seen) && clock.Elapsed < timeout + TimeSpan.FromSeconds(10) && consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } more)
        {
            if (more.Message?.Value is not null)
            {
                seen.Add(keep(more));
            }
        }
        consumer.Close();
        return seen;
    }
}
