using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Integration.Tests;

/// <summary>What the gate asks of Streamiz's producers, as Streamiz hands it to Confluent.Kafka.</summary>
public class StreamConfigTests
{
    [Theory]
    [InlineData(100, false)]
    [InlineData(GateStreamConfig.ReportsAtCommitUpToMs, false)]
    [InlineData(GateStreamConfig.ReportsAtCommitUpToMs + 1, true)]
    [InlineData(60_000, true)]
    public void Delivery_reports_wait_for_the_commit_only_while_commits_are_frequent(int commitIntervalMs, bool pollThread)
    {
        var config = new GateConfiguration
        {
            Streams = new StreamsSettings { CommitIntervalMs = commitIntervalMs },
            Subjects = new SubjectSettings { HashSecret = "stream-config-tests-secret" },
        };

        var producer = GateStreamConfig.Create(config, "broker-1:9092", exactlyOnce: true, NullLoggerFactory.Instance).ToProducerConfig("p");

        Assert.Equal(pollThread, producer.EnableBackgroundPoll);
        // Without the poll thread, a commit interval's messages wait for their reports in librdkafka's queue.
        Assert.Equal(pollThread ? null : 1_000_000, producer.QueueBufferingMaxMessages);
        Assert.Equal("status", producer.DeliveryReportFields);
    }
}
