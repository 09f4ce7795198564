using System.Globalization;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The last input offset a task has processed, per source partition, kept in a state store. A record at
/// or below it is skipped, so a task that re-reads its input from the beginning (the group's committed
/// offsets expired on a real cluster, or never kept: the embedded broker ignores transactional offset
/// commits) does not process it twice.
/// <para>
/// A position is stored only once what was done up to it is durable: the offset reached when a commit
/// began (<see cref="CommitSignal"/>) is written when the next record is processed, by which time that
/// commit has completed. So a crash can make a task redo a little, never skip something undone; what is
/// redone is recognised downstream by its source offset.
/// </para>
/// </summary>
public sealed class InputPositions
{
    private readonly IKeyValueStore<string, string> store;
    private readonly bool enabled;
    private readonly Dictionary<(string, int), Position> positions = new();
    private bool committing;

    private sealed class Position(string key, long stored)
    {
        public string Key { get; } = key;

        public long Stored { get; set; } = stored;

        public long Processed { get; set; } = stored;

        public long AtCommit { get; set; } = stored;
    }

    public InputPositions(Streamiz.Kafka.Net.ProcessorContext context, string storeName, string signalName, bool enabled = true)
    {
        this.enabled = enabled;
        store = (IKeyValueStore<string, string>)context.GetStateStore(storeName);
        if (enabled && context.GetStateStore(signalName) is CommitSignal signal)
        {
            signal.Flushing += OnCommit;
        }
    }

    /// <summary>
    /// True when the record at this position has not been processed yet; it is then noted as processed
    /// (and stored once that is durable). False for a record processed before: skip it.
    /// </summary>
    public bool Begin(string topic, int partition, long offset)
    {
        if (!enabled || offset < 0)
        {
            return true;
        }
        PersistDurable();
        var p = Of(topic, partition);
        if (offset <= p.Stored)
        {
            return false;
        }
        if (offset > p.Processed)
        {
            p.Processed = offset;
        }
        return true;
    }

    private void OnCommit()
    {
        foreach (var p in positions.Values)
        {
            p.AtCommit = p.Processed;
        }
        committing = true;
    }

    /// <summary>After a commit completed: store the positions reached when it began.</summary>
    private void PersistDurable()
    {
        if (!committing)
        {
            return;
        }
        committing = false;
        foreach (var p in positions.Values)
        {
            if (p.AtCommit > p.Stored)
            {
                p.Stored = p.AtCommit;
                store.Put(p.Key, p.AtCommit.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private Position Of(string topic, int partition)
    {
        if (!positions.TryGetValue((topic, partition), out var p))
        {
            var key = $"{topic}#{partition}";
            var stored = store.Get(key);
            p = new Position(key, stored is null ? -1 : long.Parse(stored, CultureInfo.InvariantCulture));
            positions[(topic, partition)] = p;
        }
        return p;
    }
}
