using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.DevKafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// What the gate checks on a configured cluster before it starts its stream: that the cluster answers, that
/// every input topic exists, and that the four subject topics have <c>Kafka:Partitions</c> partitions (one
/// metadata request: no probe, no consumer group). It also tells a development broker (librdkafka's mock
/// cluster, no transactions) by the marker topic <c>rpo devkafka</c> creates, unless Kafka:DevelopmentBroker says.
/// </summary>
public static class ClusterPreflight
{
    /// <summary>What the check found: a problem in one line naming the setting, or whether the broker is a development one.</summary>
    public sealed record Result(string? Problem, bool DevelopmentBroker);

    private static readonly string[] SubjectTopics = [TopicNames.RegisterUpdates, TopicNames.Consents, TopicNames.Intents, TopicNames.Attempts];

    public static Result Check(KafkaClientFactory clients, KafkaSettings kafka)
    {
        var bootstrap = kafka.BootstrapServers;
        try
        {
            using var admin = clients.CreateAdmin(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 10_000, ClientId = "rpo-gate-preflight" });
            var topics = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Where(t => !t.Error.IsError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
            var missing = TopicNames.Inputs.Where(t => !topics.ContainsKey(t)).ToList();
            if (missing.Count > 0)
            {
                return new($"Kafka:BootstrapServers {bootstrap} is reachable but lacks the input topics {string.Join(", ", missing)} (create them as in k8s/base/topics.yaml)", false);
            }
            var mismatched = SubjectTopics.Where(t => topics[t] != kafka.Partitions).Select(t => $"{t} has {topics[t]}").ToList();
            if (mismatched.Count > 0)
            {
                return new($"Kafka:Partitions is {kafka.Partitions} but {string.Join(", ", mismatched)}: set Kafka__Partitions to the partition count of the input topics (all four must have the same)", false);
            }
            return new(null, kafka.DevelopmentBroker ?? topics.ContainsKey(EmbeddedKafka.MarkerTopic));
        }
        catch (KafkaException e)
        {
            return new($"Kafka:BootstrapServers {bootstrap} is not reachable: {e.Error.Reason}", false);
        }
    }
}
