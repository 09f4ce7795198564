using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka;
using RpoStreams.DevKafka.Registry;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;

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
    private readonly KafkaClientFactory clients;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger<GateService> logger;
    /// <summary>Held for the life of the service so the embedded broker is never collected while it serves (see StopAsync).</summary>
    private EmbeddedKafka? embedded;
    private SchemaRegistryEndpoint? registryEndpoint;
    /// <summary>This run's state directory on the embedded broker, deleted once the stream has stopped.</summary>
    private EmbeddedState? embeddedState;
    private StreamingGate? gate;

    public GateService(GateConfiguration config, GateRuntime runtime, GateMetrics metrics, RecordSerdes serdes, KafkaClientFactory clients, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory)
    {
        this.config = config;
        this.runtime = runtime;
        this.metrics = metrics;
        this.serdes = serdes;
        this.clients = clients;
        this.lifetime = lifetime;
        // A stop asked for (SIGTERM, Ctrl+C) is not bounded by the host's timeout either (it waits for Streamiz's close):
        // armed from the moment it is asked, before the HTTP server and the other services stop.
        lifetime.ApplicationStopping.Register(() =>
        {
            if (Volatile.Read(ref stopping) == 0)
            {
                GateExit.ArmHardExit(StopTimedOut, HardExitAfter, cause: "the request to stop");
            }
        });
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
            Stop($"start-up failed: {e.Message}", exitCode: 5);
        }
    }

    private static string LogSafe(string text) => Contracts.LogSafe.Text(text);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (await SchemaProblemAsync(stoppingToken) is { } schemaProblem)
        {
            Stop(schemaProblem, exitCode: 3);
            return;
        }
        string bootstrap;
        bool developmentBroker;
        if (config.Kafka.UseEmbedded)
        {
            embeddedState = EmbeddedState.Claim(config.Streams.StateDir, logger);
            config.Streams.StateDir = embeddedState.Directory;
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
                registryEndpoint = await SchemaRegistryEndpoint.StartAsync(schemas, 0, loggerFactory.CreateLogger<SchemaRegistryEndpoint>(), cancel: stoppingToken);
                runtime.SchemaRegistryUrl = registryEndpoint.Url;
                logger.LogInformation(
                    "Started the Schema Registry endpoint of the embedded broker (development only: Confluent REST API subset over schemas/, same ids as the gate, FULL_TRANSITIVE) at {SchemaRegistryUrl}",
                    registryEndpoint.Url);
            }
        }
        else
        {
            bootstrap = config.Kafka.BootstrapServers!;
            var preflight = ClusterPreflight.Check(clients, config.Kafka);
            if (preflight.Problem != null)
            {
                Stop(preflight.Problem, exitCode: 3);
                return;
            }
            developmentBroker = preflight.DevelopmentBroker;
            if (!config.SchemaRegistry.IsRemote)
            {
                logger.LogWarning(
                    "No SchemaRegistry:Url: the gate reads and writes schema ids of the local registry built from schemas/, which producers and consumers " +
                    "using a Schema Registry do not share (their records become dead letters); set SchemaRegistry__Url on a real cluster");
            }
        }
        runtime.BootstrapServers = bootstrap;

        if (config.DemoEnabled)
        {
            // Every failed rule of a BLOCKED decision, the basis of an ALLOWED one.
            metrics.DecisionObserved += d => logger.LogInformation(
                "Decided {IntentId} {Outcome} {Why} for {CompanyId}/{CampaignId}",
                d.intentId, d.outcome, d.reasons.Count > 0 ? string.Join(",", d.reasons) : d.basis?.ToString(), d.companyId, d.campaignId);
        }
        // The last gate built stays in the field whatever happens, so that StopAsync closes it.
        await StreamingGate.StartAsync(
            () => gate = Build(bootstrap, developmentBroker),
            attempt => logger.LogWarning(
                "The global-store consumer sought before librdkafka had applied its assignment (a Streamiz 1.8.2 race, attempt {Attempt} of {Attempts}): starting the stream again",
                attempt, StreamingGate.StartAttempts),
            stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Without auto-registration, a subject the gate writes that the registry lacks, or a registry that does not answer (within 15 s) or refuses.</summary>
    private async Task<string?> SchemaProblemAsync(CancellationToken stoppingToken)
    {
        if (config.SchemaRegistry is not { IsRemote: true, AutoRegisterSchemas: false } registry)
        {
            return null;
        }
        try
        {
            var subjects = await SchemaPreflight.CheckAsync(serdes.Registry, GateSchemas.Written(config.Streams.ApplicationId), register: false).WaitAsync(SchemaPreflight.Timeout, stoppingToken);
            return SchemaPreflight.Problem(subjects, registry.Url!);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            return $"SchemaRegistry:Url {registry.Url} {SchemaPreflight.Failure(e)}";
        }
    }

    /// <summary>The stream on <paramref name="bootstrap"/>, its state and restoration reported to the runtime (health, dashboard).</summary>
    private StreamingGate Build(string bootstrap, bool developmentBroker)
    {
        var built = new StreamingGate(config, bootstrap, developmentBroker, serdes, metrics, clients, loggerFactory, runtime);
        logger.LogInformation(
            "Starting gate {ApplicationId} ({Guarantee}, policy {PolicyVersion}, state in {StateDir}, native memory through {Allocator})",
            config.Streams.ApplicationId, built.ExactlyOnce ? "exactly-once" : "at-least-once", built.Options.Rules.Version, config.Streams.StateDir,
            NativeAllocator.InThisProcess());
        var stream = built.Stream;
        runtime.Serdes = serdes;
        runtime.Stream = stream;
        stream.OnRestoreStartEvent += (tp, store, start, end) => runtime.RestoreStarted(store, tp.Partition.Value, Math.Max(0, end - start));
        stream.OnRestoreEndEvent += (tp, store, _) => runtime.RestoreEnded(store, tp.Partition.Value);
        built.StreamThreadStopped += reason => Stop(reason + "; restart it to resume", exitCode: 4);
        stream.StateChanged += (_, now) =>
        {
            runtime.SetState(now.ToString());
            logger.LogInformation("Gate stream state {State}", now.ToString());
            if (now == KafkaStream.State.ERROR)
            {
                Stop($"the stream processor stopped with an error (see the log above); {(embeddedState is null ? "restart it on the same state dir to resume" : "on the embedded broker a restart starts empty")}", exitCode: 4);
            }
        };
        return built;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (gate is not null)
        {
            logger.LogInformation("Stopping: committing and closing the stream");
            gate.Stop(failed: runtime.HasFailed);
            runtime.Stream = null;
            // Kept while a stream may still be starting in it: its lock goes with the process, and the next run deletes it.
            embeddedState?.Dispose();
        }
        if (registryEndpoint is not null)
        {
            await registryEndpoint.DisposeAsync();
        }
        // The embedded broker is not stopped here but goes with the process: Streamiz keeps an admin client of its
        // own open after the stream is disposed, which would report the broker going away as an error.
        logger.LogInformation("Gate stopped");
    }

    private int stopping;

    /// <summary>How long a stop may take before the process ends anyway (<see cref="GateExit.ArmHardExit"/>): the host's 25 s and 10 s more, within Kubernetes' 45 s grace.</summary>
    public static readonly TimeSpan HardExitAfter = TimeSpan.FromSeconds(35);

    /// <summary>The exit code of a stop asked for whose close did not end within <see cref="HardExitAfter"/>.</summary>
    public const int StopTimedOut = 6;

    private void Stop(string reason, int exitCode)
    {
        if (Interlocked.Exchange(ref stopping, 1) == 1)
        {
            // Already stopping for a reason (a thread's stop and the stream's ERROR that follows it tell one story).
            return;
        }
        // The exit code and the failure first: the reason is written after, and may not be (out of memory, say).
        Environment.ExitCode = exitCode;
        runtime.Fail("stopping: see the log");
        try
        {
            // Reasons can carry an exception's message (a failed revocation's, say); what health and stderr show is masked.
            reason = LogSafe(reason);
            runtime.Fail(reason);
            logger.LogCritical("Gate cannot run: {Reason}", reason);
            Console.Error.WriteLine($"rpo-gate: {reason}");
        }
        finally
        {
            lifetime.StopApplication();
            GateExit.ArmHardExit(exitCode, HardExitAfter);
        }
    }
}
