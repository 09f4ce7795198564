using RpoStreams.Cli.Replay;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// <see cref="GateSchemas"/> is what <c>rpo schemas</c> registers and what the gate checks at start-up without
/// auto-registration: it must name every schema the gate writes, under the topic it writes it to.
/// </summary>
public class GateSchemasTests
{
    [Fact]
    public void Every_schema_the_replayed_scenarios_write_is_listed_under_its_topic()
    {
        var serdes = RecordSerdes.Local();
        var replay = new ScenarioReplay(serdes: serdes);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.jsonl"))
        {
            replay.Run(File.ReadLines(file), _ => { });
        }
        var listed = GateSchemas.Written(ScenarioReplay.ApplicationId).ToDictionary(w => w.Topic, w => w.Schema.Fullname);

        // What the replay's producers write to the input topics is the dialers' and feeds' to register, not the gate's.
        var written = serdes.Written.Where(w => !TopicNames.Inputs.Contains(w.Topic)).ToList();

        Assert.All(written, w => Assert.True(
            listed.TryGetValue(w.Topic, out var name) && name == w.Schema.Fullname,
            $"{w.Schema.Fullname} is written to {w.Topic}, but GateSchemas lists {name ?? "nothing"} there"));
        // The scenarios reach the outputs, a hop and the changelogs, so the check above has something to check.
        var topics = written.Select(w => w.Topic).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            TopicNames.Decisions,
            TopicNames.Alerts,
            InternalTopics.Changelog(ScenarioReplay.ApplicationId, StoreNames.Subjects),
            InternalTopics.Changelog(ScenarioReplay.ApplicationId, StoreNames.PendingAttempts),
            InternalTopics.Changelog(ScenarioReplay.ApplicationId, StoreNames.CampaignTallies),
            InternalTopics.Repartition(ScenarioReplay.ApplicationId, RepartitionNames.CampaignHours),
        }, topics);
    }

    [Fact]
    public void Every_topic_the_gate_writes_has_a_listed_schema()
    {
        var listed = GateSchemas.Written("app").Select(w => w.Topic).Order(StringComparer.Ordinal);

        var written = GateTopology.AllTopics("app", 4).Select(t => t.Topic).Except(TopicNames.Inputs).Order(StringComparer.Ordinal);

        Assert.Equal(written, listed);
    }
}
