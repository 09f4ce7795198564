using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using AvroSchema = Avro.Schema;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Every value schema the gate writes through the Schema Registry, with the topic it writes it to: the subject is
/// <c>{topic}-value</c> (topic name strategy). With <c>SchemaRegistry:AutoRegisterSchemas</c> false each must be
/// registered before the gate starts (<c>rpo schemas --register</c>); the gate checks at start-up
/// (<see cref="Hosting.SchemaPreflight"/>). What it reads is resolved by schema id, under no subject; the producers
/// look their schemas up and register none, so <c>rpo schemas</c> covers their subjects too (<see cref="Read"/>).
/// </summary>
public static class GateSchemas
{
    /// <summary>The contract's input schemas, with the topic producers write each to.</summary>
    public static IReadOnlyList<(string Topic, AvroSchema Schema)> Read => ContractSchemas.Inputs;

    public static IReadOnlyList<(string Topic, AvroSchema Schema)> Written(string applicationId) =>
    [
        .. ContractSchemas.Outputs,
        (InternalTopics.Repartition(applicationId, RepartitionNames.SubjectEvents), SubjectEvent._SCHEMA),
        (InternalTopics.Repartition(applicationId, RepartitionNames.CampaignHours), CampaignCount._SCHEMA),
        (InternalTopics.Repartition(applicationId, RepartitionNames.StaleDecisions), StaleNotice._SCHEMA),
        (InternalTopics.Changelog(applicationId, StoreNames.Subjects), SubjectState._SCHEMA),
        (InternalTopics.Changelog(applicationId, StoreNames.PendingAttempts), PendingAttempt._SCHEMA),
        (InternalTopics.Changelog(applicationId, StoreNames.CampaignPartials), CampaignCount._SCHEMA),
        (InternalTopics.Changelog(applicationId, StoreNames.CampaignTallies), CampaignHourTally._SCHEMA),
        (InternalTopics.Changelog(applicationId, StoreNames.Freshness), FreshnessEpisode._SCHEMA),
    ];

    /// <summary>The subject of a topic's values.</summary>
    public static string SubjectOf(string topic) => topic + "-value";
}
