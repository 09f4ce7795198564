using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// Streamiz 1.8.2 reads every stream's process id from the state dir of the first stream built in the process: two
/// gates in one process (as in these tests) shared one, and under exactly-once one transactional id, and the first
/// gate's deleted state dir came back. Each gate keeps its own (<see cref="StreamingGate"/>).
/// </summary>
public sealed class StreamizProcessIdTests
{
    private const string ProcessFile = "streamiz-process-metadata";

    [Fact]
    public async Task Each_gate_in_a_process_keeps_its_own_process_id_in_its_own_state_dir()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        using var firstDir = new TempDirectory("rpo-it-pid-");
        using var secondDir = new TempDirectory("rpo-it-pid-");

        // Given a gate built on one state dir, then a gate on another, then a gate on the first again
        Build(broker, firstDir.Path);
        var first = File.ReadAllText(Path.Combine(firstDir.Path, ProcessFile));
        Build(broker, secondDir.Path);
        Build(broker, firstDir.Path);

        // Then each state dir holds its own process id, and the first keeps the one it had
        var second = File.ReadAllText(Path.Combine(secondDir.Path, ProcessFile));
        Assert.NotEqual(first, second);
        Assert.Equal(first, File.ReadAllText(Path.Combine(firstDir.Path, ProcessFile)));
    }

    private static void Build(TestBroker broker, string stateDir)
    {
        var config = RunningGate.Configuration(broker.BootstrapServers, "pid-" + Guid.NewGuid().ToString("N")[..8], partitions: 1, stateDir);
        using var gate = new StreamingGate(config, broker.BootstrapServers, developmentBroker: false, RecordSerdes.Local(), new GateMetrics(), KafkaClientFactory.Unconfigured, NullLoggerFactory.Instance);
    }
}
