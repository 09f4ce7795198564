using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using Streamiz.Kafka.Net.Errors;

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

    // The failure seen in a test run (2026-12-03): Streamiz's global thread wraps the seek's error in this message.
    [Theory]
    [InlineData("Exception caught during initialization of GlobalStreamThread", ErrorCode.Local_State, true)]
    [InlineData("Exception caught during initialization of GlobalStreamThread", ErrorCode.TopicAuthorizationFailed, false)]
    [InlineData("stream-thread failed", ErrorCode.Local_State, false)]
    public void Only_the_global_store_seek_race_starts_the_stream_again(string message, ErrorCode code, bool retried)
    {
        Assert.Equal(retried, StreamingGate.IsGlobalSeekRace(new StreamsException(message, new KafkaException(code))));
        Assert.False(StreamingGate.IsGlobalSeekRace(new InvalidOperationException(message, new KafkaException(code))));
    }
}
