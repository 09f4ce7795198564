using System.Text;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Testing;

/// <summary>
/// Follows <c>calls.decisions.v1</c> from the beginning with read_committed while a test runs: how many
/// intents have a decision (distinct keys), how many decision records there are, and which intentIds
/// were answered more than once. Tests wait on it (kill points, "all decided") and it names the
/// intents behind a failed audit.
/// </summary>
public sealed class DecisionWatch : IDisposable
{
    private readonly object sync = new();
    private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CallDecision>>? decisions;
    private readonly RecordSerdes serdes = RecordSerdes.Local();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int distinct;
    private long records;
    private volatile string? lastError;

    private DecisionWatch(string bootstrap, bool keepDecisions)
    {
        decisions = keepDecisions ? new Dictionary<string, List<CallDecision>>(StringComparer.Ordinal) : null;
        loop = Task.Factory.StartNew(() => Run(bootstrap), TaskCreationOptions.LongRunning);
    }

    /// <summary>Intents with at least one committed decision.</summary>
    public int Distinct => Volatile.Read(ref distinct);

    /// <summary>Committed decision records.</summary>
    public long Records => Interlocked.Read(ref records);

    public string? LastError => lastError;

    /// <summary>Fires whenever a decision record has been read.</summary>
    public Signal Changed { get; } = new();

    public static DecisionWatch Start(string bootstrap, bool keepDecisions = false) => new(bootstrap, keepDecisions);

    /// <summary>intentIds with more than one decision record, with their counts.</summary>
    public IReadOnlyList<(string IntentId, int Count)> Repeated(int max = 20)
    {
        lock (sync)
        {
            return counts.Where(c => c.Value > 1).Take(max).Select(c => (c.Key, c.Value)).ToList();
        }
    }

    public int RepeatedCount()
    {
        lock (sync)
        {
            return counts.Count(c => c.Value > 1);
        }
    }

    /// <summary>Which of <paramref name="intentIds"/> have no decision yet.</summary>
    public IReadOnlyList<string> Undecided(IEnumerable<string> intentIds, int max = int.MaxValue)
    {
        lock (sync)
        {
            return intentIds.Where(id => !counts.ContainsKey(id)).Take(max).ToList();
        }
    }

    /// <summary>
    /// The run's intents <c>{runId}-i1</c>..<c>-i{count}</c> without a decision, as ranges of sequence numbers
    /// ("65219, 65292-65310, 145001-190000"), for a failure report that says where the losses are.
    /// </summary>
    public string UndecidedRanges(string runId, int count, int maxRanges = 40)
    {
        var missing = Undecided(Enumerable.Range(1, count).Select(i => $"{runId}-i{i}"))
            .Select(id => int.Parse(id[(runId.Length + 2)..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        if (missing.Count == 0)
        {
            return "none";
        }
        var ranges = new List<string>();
        var start = missing[0];
        var previous = start;
        foreach (var n in missing.Skip(1).Append(int.MinValue))
        {
            if (n == previous + 1)
            {
                previous = n;
                continue;
            }
            ranges.Add(start == previous ? $"{start}" : $"{start}-{previous}");
            start = previous = n;
        }
        return $"{missing.Count} intents: {string.Join(", ", ranges.Take(maxRanges))}{(ranges.Count > maxRanges ? $", ... ({ranges.Count} ranges)" : "")}";
    }

    public int CountOf(string intentId)
    {
        lock (sync)
        {
            return counts.GetValueOrDefault(intentId);
        }
    }

    /// <summary>The decision records of an intent, in arrival order (only when started with keepDecisions).</summary>
    public IReadOnlyList<CallDecision> DecisionsOf(string intentId)
    {
        if (decisions is null)
        {
            throw new InvalidOperationException("the watch was started without keepDecisions");
        }
        lock (sync)
        {
            return decisions.TryGetValue(intentId, out var list) ? [.. list] : [];
        }
    }

    private void Run(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "fault-watch-" + Guid.NewGuid().ToString("N")[..8],
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, e) => lastError = e.Reason).Build();
        consumer.Assign(TopicPartitions.FromBeginning(consumer, TopicNames.Decisions, TimeSpan.FromSeconds(30)));
        while (!stop.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e)
            {
                lastError = e.Error.Reason;
                continue;
            }
            if (result?.Message is not { } message)
            {
                continue;
            }
            var key = message.Key is null ? "(null key)" : Encoding.UTF8.GetString(message.Key);
            CallDecision? decision = null;
            if (decisions != null && message.Value != null)
            {
                decision = serdes.CallDecision.Deserialize(message.Value, new SerializationContext(MessageComponentType.Value, TopicNames.Decisions));
            }
            lock (sync)
            {
                var count = counts.GetValueOrDefault(key);
                counts[key] = count + 1;
                if (count == 0)
                {
                    Interlocked.Increment(ref distinct);
                }
                if (decision != null)
                {
                    if (!decisions!.TryGetValue(key, out var list))
                    {
                        decisions[key] = list = [];
                    }
                    list.Add(decision);
                }
            }
            Interlocked.Increment(ref records);
            Changed.Pulse();
        }
        consumer.Close();
    }

    public void Dispose()
    {
        stop.Cancel();
        loop.Wait(TimeSpan.FromSeconds(15));
        stop.Dispose();
        Changed.Dispose();
    }
}
