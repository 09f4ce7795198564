using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Contracts.Tests;

/// <summary>
/// A broker that does not answer makes librdkafka repeat one error with a changing note; the gate's log and rpo write
/// it once: the lines differ only in that note.
/// </summary>
public sealed class KafkaLogTextTests
{
    [Fact]
    public void Lines_that_differ_only_in_librdkafkas_note_of_time_and_suppressed_repeats_are_the_same()
    {
        const string First = "rdkafka#producer-1 FAIL: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)";
        const string Later = "rdkafka#producer-1 FAIL: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 3ms in state CONNECT, 7 identical error(s) suppressed)";

        Assert.Equal(KafkaLogText.WithoutTiming(First), KafkaLogText.WithoutTiming(Later));
        Assert.NotEqual(KafkaLogText.WithoutTiming(First), KafkaLogText.WithoutTiming(First.Replace("refused", "reset", StringComparison.Ordinal)));
    }
}
