using System.Reflection;
using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Errors;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The gate's Streamiz stream on a broker that has been found: the one way both the service
/// (<see cref="GateService"/>) and the benchmark build it. On Kafka that is the plain exactly-once topology;
/// on a development broker (librdkafka's mock cluster, which keeps no transactions) it runs at-least-once
/// with a view of calls.decisions.v1 (<see cref="EmittedDecisionsView"/>, docs/reliability.md). A state dir
/// left by an unclean stop under exactly-once is wiped first.
/// </summary>
public sealed class StreamingGate : IDisposable
{
    private readonly GateConfiguration config;
    private readonly KafkaDeadLetterPublisher deadLetters;
    private readonly EmittedDecisionsView? emitted;
    private readonly ILogger logger;
    private readonly GateKafkaSupplier kafkaClients;

    /// <param name="config">The gate's settings.</param>
    /// <param name="bootstrap">Where the broker is.</param>
    /// <param name="developmentBroker">Whether it is a development broker without transactions.</param>
    /// <param name="serdes">The record serdes.</param>
    /// <param name="metrics">The gate's instruments.</param>
    /// <param name="clients">Builds the Kafka clients.</param>
    /// <param name="loggers">Logs.</param>
    /// <param name="ownership">Learns which subject partitions this instance owns (the check API), or null.</param>
    /// <param name="tune">Changes to the Streamiz configuration before the stream is built (the benchmark's), or null.</param>
    public StreamingGate(
        GateConfiguration config, string bootstrap, bool developmentBroker, RecordSerdes serdes, GateMetrics metrics,
        KafkaClientFactory clients, ILoggerFactory loggers, IPartitionOwnership? ownership = null, Action<StreamConfig>? tune = null)
    {
        this.config = config;
        logger = loggers.CreateLogger<StreamingGate>();
        ExactlyOnce = config.Streams.ExactlyOnce && !developmentBroker;
        var producerConfig = new ProducerConfig { BootstrapServers = bootstrap, ClientId = config.Streams.ApplicationId + "-deadletters" };
        deadLetters = new KafkaDeadLetterPublisher(clients, producerConfig, serdes, loggers.CreateLogger<KafkaDeadLetterPublisher>());
        if (developmentBroker)
        {
            // Everything for the development broker is here and in PublishedDecisionCheck (docs/reliability.md).
            logger.LogWarning(
                "The broker at {Bootstrap} is a development broker (librdkafka's mock cluster keeps no transactions): the gate runs at-least-once " +
                "and, after a crash, checks calls.decisions.v1 so no intent is lost or decided twice",
                bootstrap);
            emitted = new EmittedDecisionsView(clients, bootstrap, config.Streams.ApplicationId, loggers.CreateLogger<EmittedDecisionsView>());
            emitted.StartAndCatchUp(TimeSpan.FromMinutes(5));
        }
        CleanShutdownMarker.PrepareForStart(config.Streams.StateDir, config.Streams.ApplicationId, ExactlyOnce, logger);
        Options = config.TopologyOptions(serdes, metrics, deadLetters, SystemClock.Instance, ownership, emitted, ExactlyOnce);
        var streamConfig = GateStreamConfig.Create(config, bootstrap, ExactlyOnce, loggers);
        // An exception a stream thread cannot handle stops that thread (Streamiz's FAIL), and Streamiz 1.8.2 goes to ERROR
        // only once every thread is dead: the instance went on with fewer threads, or, when the threads' close hung (as
        // after an OutOfMemoryException), stayed RUNNING and healthy with no partition. The whole gate stops instead, as
        // Kafka Streams' default does (SHUTDOWN_CLIENT): the service exits with code 4, to be started again.
        streamConfig.InnerExceptionHandler = e =>
        {
            ThreadStopped($"a stream thread failed: {e.GetType().Name}: {e.Message}");
            return ExceptionHandlerResponse.FAIL;
        };
        // A record that cannot be read or written fails its thread without asking the handler above, and under
        // exactly-once its close can then fail before the consumer's: each is told here too.
        var deserialization = streamConfig.DeserializationExceptionHandler;
        streamConfig.DeserializationExceptionHandler = (context, record, e) =>
        {
            var response = deserialization(context, record, e);
            if (response == ExceptionHandlerResponse.FAIL)
            {
                ThreadStopped($"a stream thread could not read a record of {record.Topic}: {e.Message}");
            }
            return response;
        };
        var production = streamConfig.ProductionExceptionHandler;
        streamConfig.ProductionExceptionHandler = report =>
        {
            var response = production(report);
            if (response == ProductionExceptionHandlerResponse.FAIL)
            {
                ThreadStopped($"a stream thread could not write to {report.Topic}: {report.Error.Reason}");
            }
            return response;
        };
        tune?.Invoke(streamConfig);
        // A consumer closing is a thread's stop only while the gate is not stopping (ThreadStopped tells them apart).
        kafkaClients = new GateKafkaSupplier(streamConfig, metrics, reason => ThreadStopped(reason, evenWhileStopping: true), reason => ThreadStopped(reason));
        var topology = GateTopology.Build(Options);
        lock (StreamizStateDirectory)
        {
            RouteStreamizStaticLog(loggers);
            ForgetStreamizStateDirectory();
            Stream = new KafkaStream(topology, streamConfig, kafkaClients);
        }
    }

    /// <summary>Held while a gate builds its stream: see <see cref="ForgetStreamizStateDirectory"/>.</summary>
    private static readonly Lock StreamizStateDirectory = new();

    /// <summary>
    /// Streamiz 1.8.2 keeps the state directory of the first stream a process builds, and reads every later stream's
    /// process id from that directory (writing it there, should it be gone). Two gates in one process (the tests) would
    /// share a process id, and under exactly-once their transactional ids, fencing each other; and a deleted state dir
    /// would come back. Each gate's stream starts from its own state dir. One gate per process, as the service runs,
    /// sees no difference.
    /// </summary>
    private static void ForgetStreamizStateDirectory() =>
        (typeof(KafkaStream).Assembly.GetType("Streamiz.Kafka.Net.Processors.Internal.StateDirectory")?.GetField("staticDirectoryInstance", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("Streamiz no longer keeps its state directory where the gate expects (StateDirectory.staticDirectoryInstance)"))
        .SetValue(null, null);

    /// <summary>
    /// A few Streamiz 1.8.2 classes (its state directory among them) log through a static logger factory of Streamiz's
    /// own, a plain console logger that only Streamiz can set, not through <see cref="StreamConfig.Logger"/>: at every
    /// start a two-line text entry landed between the JSON lines, unmasked. They log through the gate's logging instead.
    /// </summary>
    private static void RouteStreamizStaticLog(ILoggerFactory loggers) =>
        (typeof(Streamiz.Kafka.Net.Crosscutting.Logger).GetProperty("LoggerFactory", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("Streamiz no longer has the static logger factory the gate expects (Crosscutting.Logger.LoggerFactory)"))
        .SetValue(null, loggers);

    /// <summary>True on Kafka under Streams:Guarantee=ExactlyOnce; false at-least-once and on a development broker.</summary>
    public bool ExactlyOnce { get; }

    public GateTopologyOptions Options { get; }

    public KafkaStream Stream { get; }

    /// <summary>
    /// Raised once, with the reason, when a stream thread stops before the gate does: after a failed revocation
    /// (<see cref="RevocationGuard"/>), on an exception it cannot handle, or by itself. The other threads would go on, but
    /// this instance still claims the partitions that thread dropped (or, its close hung, stays RUNNING with none), so the
    /// service stops.
    /// </summary>
    public event Action<string>? StreamThreadStopped;

    private int threadStopReported;

    /// <summary>
    /// Tells <see cref="StreamThreadStopped"/>, once. A thread that stops while the gate stops is expected, but for one
    /// that failed to give up its partitions (<paramref name="evenWhileStopping"/>): its state is then not clean.
    /// </summary>
    private void ThreadStopped(string reason, bool evenWhileStopping = false)
    {
        if ((evenWhileStopping || !Stopping) && Interlocked.Exchange(ref threadStopReported, 1) == 0)
        {
            StreamThreadStopped?.Invoke(reason);
        }
    }

    private bool stopped;

    /// <summary>The token the stream was started with: Streamiz disposes the stream itself when it is cancelled (the host's stop).</summary>
    private CancellationToken started;

    /// <summary>Whether the stream is being stopped, by <see cref="Stop"/> or by the cancellation of its start's token (set before its callbacks run).</summary>
    private bool Stopping => Volatile.Read(ref stopped) || started.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancel)
    {
        started = cancel;
        return Stream.StartAsync(cancel);
    }

    /// <summary>Starts tried when one is lost to Streamiz's global-store race (<see cref="IsGlobalSeekRace"/>).</summary>
    public const int StartAttempts = 3;

    /// <summary>
    /// Builds a gate with <paramref name="build"/> and starts it. A start lost to the global-store race stops that gate
    /// (its state marked clean: Streamiz starts its global thread before any stream thread, so no task ran), tells
    /// <paramref name="retrying"/> the attempt it was, and builds and starts another, up to <see cref="StartAttempts"/>.
    /// Any other failure is thrown, the gate left to the caller, which holds the last one built.
    /// </summary>
    public static async Task<StreamingGate> StartAsync(Func<StreamingGate> build, Action<int>? retrying, CancellationToken cancel)
    {
        for (var attempt = 1; ; attempt++)
        {
            var gate = build();
            try
            {
                await gate.StartAsync(cancel);
                return gate;
            }
            catch (StreamsException e) when (attempt < StartAttempts && IsGlobalSeekRace(e))
            {
                retrying?.Invoke(attempt);
                gate.Stop(failed: false);
            }
        }
    }

    /// <summary>
    /// Whether a failed start is Streamiz 1.8.2's global-store race: its global thread assigns its consumer and seeks
    /// at once, and librdkafka applies an assignment asynchronously, so now and then the seek finds the partition not
    /// yet assigned ("Local: Erroneous state"). <see cref="IdleGlobalConsumer"/> tries such a seek again for a few seconds;
    /// should it still fail, building the stream again and starting it succeeds (<see cref="StartAsync(Func{StreamingGate}, Action{int}?, CancellationToken)"/>).
    /// </summary>
    public static bool IsGlobalSeekRace(Exception e) =>
        e is StreamsException { InnerException: KafkaException { Error.Code: ErrorCode.Local_State } } && e.Message.Contains("GlobalStreamThread", StringComparison.Ordinal);

    /// <summary>
    /// Closes the stream (stores flushed, last commit, group left), marks the state dir clean unless it failed or
    /// Streamiz gave up the close, and closes the gate's own clients. Once; later calls do nothing.
    /// </summary>
    public void Stop(bool failed)
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        try
        {
            Stream.Dispose();
            var leftOpen = RocksDbStateStore.CloseLeftOpen(Path.Combine(config.Streams.StateDir, config.Streams.ApplicationId));
            if (leftOpen > 0)
            {
                // Streamiz gave up a close (a final commit refused, say) and left these stores open: not a clean stop.
                logger.LogWarning("The stream did not close {Count} of its stores: the stop is not clean, and local state is treated as after a crash", leftOpen);
            }
            var (producers, consumers) = kafkaClients.CloseLeftOpen();
            if (producers + consumers > 0)
            {
                logger.LogWarning(
                    "Closed {Producers} producers (their transactions aborted) and {Consumers} group members the stream left open, so that the other instances take their partitions at once",
                    producers, consumers);
            }
            if (!failed && leftOpen == 0)
            {
                // After a stream error the local state may hold writes of an aborted transaction: not clean.
                CleanShutdownMarker.MarkClean(config.Streams.StateDir, config.Streams.ApplicationId);
            }
        }
        finally
        {
            deadLetters.Dispose();
            emitted?.Dispose();
        }
    }

    /// <summary>Stops without marking the state clean (a caller that knows the stop was clean calls <see cref="Stop"/>).</summary>
    public void Dispose() => Stop(failed: true);
}
