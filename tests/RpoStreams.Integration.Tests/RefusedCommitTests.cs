using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Policy;
using RpoStreams.Simulation;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// Offset commits the group refuses, as a group in the middle of a rebalance does (the embedded broker is told to).
/// Streamiz 1.8.2 alone leaves a thread whose revocation commit is refused asleep with its partitions until the group
/// expels it five minutes later (<see cref="Gate.Hosting.RevocationGuard"/>), and gives up a close whose final commit is
/// refused, leaving its stores open.
/// </summary>
public sealed class RefusedCommitTests
{
    private const short OffsetCommitApi = 8;
    private const short HeartbeatApi = 12;
    private const short EndTxnApi = 26;
    private const short TxnOffsetCommitApi = 28;
    private const int Partitions = 4;
    private const int Batch = 40;

    [Fact]
    public async Task A_stream_thread_whose_revocation_commit_is_refused_rejoins_and_every_intent_is_decided_once()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "revoke-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, Partitions);
        using var firstDir = new TempDirectory("rpo-it-revoke-");
        using var secondDir = new TempDirectory("rpo-it-revoke-");
        var serdes = RecordSerdes.Local();
        var at = PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant());

        // Given one gate that owns every partition and has decided a batch it has not committed yet
        using var first = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, firstDir.Path, developmentBroker: true, Streams);
        Send(broker, serdes, 1, at);
        ReadDecisions(broker, serdes, Batch);

        // When a second gate joins and the first one's commit of the partitions it gives up is refused
        broker.FailNextRequests(OffsetCommitApi, ErrorCode.RebalanceInProgress);
        using var second = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, secondDir.Path, developmentBroker: true, Streams);
        Send(broker, serdes, Batch + 1, at);

        // Then the first gate rejoined: both batches are decided, each intent once
        var decisions = ReadDecisions(broker, serdes, 2 * Batch);
        // (at least once: the embedded broker may refuse a later revocation's commit by itself, as it did in CI)
        Assert.True(first.Metrics.RevocationFailures >= 1, "the first gate's revocation commit was not refused");
        Assert.Equal(2 * Batch, decisions.Count);
        Assert.Equal(2 * Batch, decisions.Distinct().Count());
        Assert.True(first.Metrics.DecisionCount > Batch, $"the first gate decided nothing after the rebalance ({first.Metrics.DecisionCount} decisions)");
    }

    [Fact]
    public async Task Under_exactly_once_a_stream_thread_whose_revocation_fails_stops_and_another_instance_takes_its_partitions()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "eos-revoke-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, Partitions);
        using var firstDir = new TempDirectory("rpo-it-revoke-");
        using var secondDir = new TempDirectory("rpo-it-revoke-");
        var serdes = RecordSerdes.Local();
        var at = PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant());

        // Given one gate on the exactly-once path that owns every partition and has decided a batch in a transaction not committed yet
        using var first = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, firstDir.Path, developmentBroker: false, Streams);
        Send(broker, serdes, 1, at);
        ReadDecisions(broker, serdes, Batch);
        var firstTasks = Path.Combine(firstDir.Path, appId);
        Assert.Contains(Directory.EnumerateDirectories(firstTasks), task => Directory.Exists(Path.Combine(task, "rocksdb")));

        // When a second gate joins and the transaction that would commit the partitions the first one gives up fails
        broker.FailNextRequests(TxnOffsetCommitApi, ErrorCode.GroupAuthorizationFailed);
        using var second = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, secondDir.Path, developmentBroker: false, Streams);
        Send(broker, serdes, Batch + 1, at);

        // Then the first gate's thread stopped (the service exits with code 4 to be restarted), the local state of the
        // tasks it could not close is gone, and the second gate decides every intent (at least once here: the
        // embedded broker shows read_committed readers what an aborted transaction wrote)
        ReadDecisions(broker, serdes, 2 * Batch);
        Assert.Single(first.StoppedThreads);
        Assert.Equal(1, first.Metrics.RevocationFailures);
        Assert.True(second.Metrics.DecisionCount >= Batch, $"the second gate decided {second.Metrics.DecisionCount} intents");
        Assert.DoesNotContain(Directory.EnumerateDirectories(firstTasks), task => Directory.Exists(Path.Combine(task, "rocksdb")));
    }

    [Fact]
    public async Task A_stop_whose_final_commit_succeeds_is_marked_clean_so_the_next_exactly_once_start_keeps_its_state()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "close-clean-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, Partitions);
        using var stateDir = new TempDirectory("rpo-it-close-");
        var serdes = RecordSerdes.Local();

        // Given an exactly-once gate that has decided a batch it has not committed yet
        using (var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, stateDir.Path, developmentBroker: false, Streams))
        {
            Send(broker, serdes, 1, PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant()));
            ReadDecisions(broker, serdes, Batch);
        }

        // When it stops and nothing refuses its final commit
        // Then the stop is marked clean (the control of the test below: without it, every restart would rebuild its state)
        var marker = Path.Combine(stateDir.Path, appId, ".clean-shutdown");
        Assert.True(File.Exists(marker), "a clean stop was not marked clean");
        Assert.False(CleanShutdownMarker.PrepareForStart(stateDir.Path, appId, exactlyOnce: true, NullLogger.Instance),
            "the start after a clean stop wiped its state");
        Assert.Contains(Directory.EnumerateDirectories(Path.Combine(stateDir.Path, appId)), task => Directory.Exists(Path.Combine(task, "rocksdb")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stop_whose_final_commit_fails_is_not_marked_clean_and_leaves_the_group(bool developmentBroker)
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "close-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, Partitions);
        using var stateDir = new TempDirectory("rpo-it-close-");
        var serdes = RecordSerdes.Local();
        int aborts;

        // Given a gate, at-least-once or exactly-once, that has decided a batch it has not committed yet
        using (var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, stateDir.Path, developmentBroker, Streams))
        {
            Send(broker, serdes, 1, PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant()));
            ReadDecisions(broker, serdes, Batch);

            // When it stops and its final commit fails: the group refuses the offsets, or the transaction fails
            broker.FailNextRequests(developmentBroker ? OffsetCommitApi : TxnOffsetCommitApi, developmentBroker ? ErrorCode.RebalanceInProgress : ErrorCode.GroupAuthorizationFailed);
            broker.TrackRequests();
        }
        aborts = broker.RequestsReceived(EndTxnApi);

        // Then the stop is not marked clean: under exactly-once the next start wipes local state rather than trust it
        Assert.False(File.Exists(Path.Combine(stateDir.Path, appId, ".clean-shutdown")), "a stop whose close Streamiz gave up was marked clean");

        // And, under exactly-once, the transaction left open is aborted rather than left to time out (it would hold back
        // read_committed readers until then)
        Assert.Equal(developmentBroker ? 0 : 1, aborts);

        // And the gate has left the group: nothing of it heartbeats there any more (a member would, every 3.3 s), so the
        // other instances take its partitions at once rather than after its session
        broker.TrackRequests();
        await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
        Assert.Equal(0, broker.RequestsReceived(HeartbeatApi));
    }

    /// <summary>
    /// One stream thread, and commits far apart: the first offset commit after a batch is the one a revocation or the
    /// close makes, the one refused.
    /// </summary>
    private static void Streams(Gate.Hosting.Settings.StreamsSettings s)
    {
        s.Threads = 1;
        s.CommitIntervalMs = 300_000;
    }

    /// <summary>Intents r-{from} to r-{from + Batch - 1}, each for its own number, so they spread over the partitions.</summary>
    private static void Send(TestBroker broker, RecordSerdes serdes, int from, Instant at)
    {
        using var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, serdes);
        for (var i = from; i < from + Batch; i++)
        {
            producer.Intent(TestIntents.Phone($"r-{i}", $"+3934010{i:00000}", at));
        }
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    /// <summary>The intentIds of the decisions published, once at least <paramref name="distinct"/> intents are decided (or after 90 s).</summary>
    private static List<string> ReadDecisions(TestBroker broker, RecordSerdes serdes, int distinct)
    {
        var read = TopicFollower.ReadUntil(
            broker.BootstrapServers, TopicNames.Decisions, b => serdes.CallDecision.Deserialize(b, default).intentId,
            seen => seen.Select(d => d.Value).Distinct().Count() >= distinct, TimeSpan.FromSeconds(90));
        var ids = read.Select(d => d.Value).ToList();
        Assert.True(ids.Distinct().Count() >= distinct, $"{ids.Distinct().Count()} of {distinct} intents decided within 90 s");
        return ids;
    }
}
