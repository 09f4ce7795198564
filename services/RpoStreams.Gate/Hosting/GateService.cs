using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka;
using RpoStreams.DevKafka.Registry;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Runs the gate topology in a Streamiz <see cref="KafkaStream"/>: against <c>Kafka:BootstrapServers</c>,
/// or against an embedded broker it starts itself when none is configured. Streamiz does not throw when
/// start-up fails, so its state is watched: ERROR stops the process with a non-zero exit code, and the
/// orchestrator restarts it on the same state dir.
/// </summary>
public sealed class GateService : BackgroundService
{
    private readonly GateConfiguration config;
    private readonly GateRuntime runtime;
    private readonly GateMetrics metrics;
    private readonly RecordSerdes serdes;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger<GateService> logger;
    private EmbeddedKafka? embedded;
    private SchemaRegistryEndpoint? registryEndpoint;
    private KafkaDeadLetterPublisher? deadLetters;
    private EmittedDecisionsView? emitted;

    public GateService(GateConfiguration config, GateRuntime runtime, GateMetrics metrics, RecordSerdes serdes, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory)
    {
        this.config = config;
        this.runtime = runtime;
        this.metrics = metrics;
        this.serdes = serdes;
        this.lifetime = lifetime;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<GateService>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything unforeseen at start-up (an unwritable state dir, a broker refusing a topic) stops the process, non-zero.
            logger.LogCritical(e, "Gate start-up failed");
            Stop($"start-up failed: {LogSafe(e.Message)}", exitCode: 5);
        }
    }

    private static string LogSafe(string text) => Contracts.LogSafe.Text(text);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        string bootstrap;
        bool developmentBroker;
        if (config.Kafka.UseEmbedded)
        {
            embedded = EmbeddedKafka.Start();
            embedded.CreateTopics(GateTopology.AllTopics(config.Streams.ApplicationId, config.Kafka.Partitions));
            bootstrap = embedded.BootstrapServers;
            runtime.Embedded = true;
            developmentBroker = true;
            logger.LogInformation(
                "No Kafka:BootstrapServers configured: started the embedded broker (librdkafka mock cluster, development only) at {Bootstrap} with {Partitions} partitions",
                bootstrap, config.Kafka.Partitions);
            if (serdes.Registry is LocalSchemaRegistry schemas)
            {
                // Over the registry the serdes use: a schema a client registers there is one the gate can read.
                registryEndpoint = await SchemaRegistryEndpoint.StartAsync(schemas, 0, loggerFactory.CreateLogger<SchemaRegistryEndpoint>(), stoppingToken);
                runtime.SchemaRegistryUrl = registryEndpoint.Url;
                logger.LogInformation(
                    "Started the Schema Registry endpoint of the embedded broker (development only: Confluent REST API subset over schemas/, same ids as the gate, FULL_TRANSITIVE) at {SchemaRegistryUrl}",
                    registryEndpoint.Url);
            }
        }
        else
        {
            bootstrap = config.Kafka.BootstrapServers!;
            var preflight = Preflight(bootstrap);
            if (preflight.Problem != null)
            {
                Stop(preflight.Problem, exitCode: 3);
                return;
            }
            developmentBroker = preflight.DevelopmentBroker;
        }
        runtime.BootstrapServers = bootstrap;

        var producerConfig = new ProducerConfig { BootstrapServers = bootstrap, ClientId = config.Streams.ApplicationId + "-deadletters" };
        config.Kafka.ApplySecurity(producerConfig);
        deadLetters = new KafkaDeadLetterPublisher(producerConfig, serdes, loggerFactory.CreateLogger<KafkaDeadLetterPublisher>());

        var exactlyOnce = config.Streams.ExactlyOnce && !developmentBroker;
        if (developmentBroker)
        {
            // Everything for the development broker is here and in PublishedDecisionCheck (docs/reliability.md).
            logger.LogWarning(
                "The broker at {Bootstrap} is a development broker (librdkafka's mock cluster keeps no transactions): the gate runs at-least-once " +
                "and, after a crash, checks calls.decisions.v1 so no intent is lost and a repeat carries the same decision",
                bootstrap);
            emitted = new EmittedDecisionsView(bootstrap, config.Kafka, config.Streams.ApplicationId, loggerFactory.CreateLogger<EmittedDecisionsView>());
            emitted.StartAndCatchUp(TimeSpan.FromMinutes(5));
        }
        CleanShutdownMarker.PrepareForStart(config.Streams.StateDir, config.Streams.ApplicationId, exactlyOnce, logger);
        var options = config.TopologyOptions(serdes, metrics, deadLetters, SystemClock.Instance, runtime, emitted, exactlyOnce);
        runtime.Serdes = serdes;
        var stream = new KafkaStream(GateTopology.Build(options), GateStreamConfig.Create(config, bootstrap, exactlyOnce, loggerFactory));
        runtime.Stream = stream;
        stream.OnRestoreStartEvent += (tp, store, start, end) => runtime.RestoreStarted(store, tp.Partition.Value, Math.Max(0, end - start));
        stream.OnRestoreEndEvent += (tp, store, _) => runtime.RestoreEnded(store, tp.Partition.Value);
        stream.StateChanged += (_, now) =>
        {
            runtime.SetState(now.ToString());
            logger.LogInformation("Gate stream state {State}", now.ToString());
            if (now == KafkaStream.State.ERROR)
            {
                Stop("the stream processor stopped with an error (see the log above); restart it on the same state dir to resume", exitCode: 4);
            }
        };
        if (config.DemoEnabled)
        {
            metrics.DecisionObserved += d => logger.LogInformation(
                "Decided {IntentId} {Outcome} {Reasons} basis {Basis} for {CompanyId}/{CampaignId}",
                d.intentId, d.outcome, string.Join(",", d.reasons), d.basis?.ToString() ?? "-", d.companyId, d.campaignId);
        }

        logger.LogInformation(
            "Starting gate {ApplicationId} ({Guarantee}, policy {PolicyVersion}, state in {StateDir})",
            config.Streams.ApplicationId, exactlyOnce ? "exactly-once" : "at-least-once", options.Rules.Version, config.Streams.StateDir);
        await stream.StartAsync(stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (runtime.Stream is { } stream)
        {
            logger.LogInformation("Stopping: committing and closing the stream");
            // Dispose closes every task: flushes stores, commits (the transaction, with exactly-once) and leaves the group.
            var failed = runtime.HasFailed;
            stream.Dispose();
            runtime.Stream = null;
            if (!failed)
            {
                // After a stream error the local state may hold writes of an aborted transaction: not clean.
                CleanShutdownMarker.MarkClean(config.Streams.StateDir, config.Streams.ApplicationId);
            }
        }
        deadLetters?.Dispose();
        emitted?.Dispose();
        if (registryEndpoint is not null)
        {
            await registryEndpoint.DisposeAsync();
        }
        embedded?.Dispose();
        logger.LogInformation("Gate stopped");
    }

    private sealed record PreflightResult(string? Problem, bool DevelopmentBroker);

    /// <summary>
    /// Fails fast, with one line, when the configured cluster cannot be reached, lacks an input topic or gives
    /// one another partition count than Kafka:Partitions; and tells a development broker by its marker topic
    /// (or Kafka:DevelopmentBroker). One metadata request: no probe, no consumer group.
    /// </summary>
    private PreflightResult Preflight(string bootstrap)
    {
        var adminConfig = new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 10_000 };
        config.Kafka.ApplySecurity(adminConfig);
        try
        {
            using var admin = new AdminClientBuilder(adminConfig).SetLogHandler((_, _) => { }).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            var topics = metadata.Topics.Where(t => !t.Error.IsError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
            var missing = Contracts.TopicNames.Inputs.Where(t => !topics.ContainsKey(t)).ToList();
            if (missing.Count > 0)
            {
                return new($"Kafka:BootstrapServers {bootstrap} is reachable but lacks the input topics {string.Join(", ", missing)} (create them as in k8s/base/topics.yaml)", false);
            }
            var subjectTopics = new[] { Contracts.TopicNames.RegisterUpdates, Contracts.TopicNames.Consents, Contracts.TopicNames.Intents, Contracts.TopicNames.Attempts };
            var mismatched = subjectTopics.Where(t => topics[t] != config.Kafka.Partitions).Select(t => $"{t} has {topics[t]}").ToList();
            if (mismatched.Count > 0)
            {
                return new($"Kafka:Partitions is {config.Kafka.Partitions} but {string.Join(", ", mismatched)}: set Kafka__Partitions to the partition count of the input topics (all four must have the same)", false);
            }
            return new(null, config.Kafka.DevelopmentBroker ?? topics.ContainsKey(EmbeddedKafka.MarkerTopic));
        }
        catch (KafkaException e)
        {
            return new($"Kafka:BootstrapServers {bootstrap} is not reachable: {e.Error.Reason}", false);
        }
    }

    private void Stop(string reason, int exitCode)
    {
        runtime.Fail(reason);
        logger.LogCritical("Gate cannot run: {Reason}", reason);
        Console.Error.WriteLine($"rpo-gate: {reason}");
        Environment.ExitCode = exitCode;
        lifetime.StopApplication();
    }
}
