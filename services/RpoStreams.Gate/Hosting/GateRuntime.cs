using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using NodaTime;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Hosting;

/// <summary>What the running gate knows about itself, for health checks, metrics, the dashboard and the API.</summary>
public sealed class GateRuntime : IPartitionOwnership
{
    private readonly Lock ownership = new();
    private readonly SortedSet<int> owned = [];
    private volatile string state = "STARTING";
    private ConsultationReader? consultations;

    /// <summary>Where Kafka is (the embedded broker's address when embedded).</summary>
    public string? BootstrapServers { get; set; }

    public bool Embedded { get; set; }

    /// <summary>The development Schema Registry endpoint next to the embedded broker (null otherwise).</summary>
    public string? SchemaRegistryUrl { get; set; }

    /// <summary>The Streamiz state name (CREATED, REBALANCING, RUNNING, ..., ERROR) or STARTING/FAILED before it exists.</summary>
    public string State => state;

    /// <summary>Why the gate failed, when it did.</summary>
    public string? Failure { get; private set; }

    public KafkaStream? Stream { get; set; }

    /// <summary>The serdes of the running topology, for reading its stores.</summary>
    public RecordSerdes? Serdes { get; set; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public bool IsRunning => state == "RUNNING";

    /// <summary>Failed at start-up, or the stream stopped with an error (a later state change does not hide it).</summary>
    public bool HasFailed => Failure is not null || state is "FAILED" or "ERROR" or "PENDING_ERROR";

    private readonly ConcurrentDictionary<string, long> restoring = new();

    /// <summary>Stores restoring from their changelogs right now (Streamiz says RUNNING before they finish).</summary>
    public IReadOnlyCollection<string> Restoring => restoring.Keys.Order().ToList();

    public void RestoreStarted(string store, int partition, long records) => restoring[$"{store}#{partition}"] = records;

    public void RestoreEnded(string store, int partition) => restoring.TryRemove($"{store}#{partition}", out _);

    private volatile int[] ownedSnapshot = [];

    /// <summary>Subject partitions whose tasks run in this instance.</summary>
    public IReadOnlyCollection<int> OwnedPartitions => ownedSnapshot;

    public bool Owns(int partition) => Array.IndexOf(ownedSnapshot, partition) >= 0;

    public void SetState(string value) => state = value;

    public void Fail(string reason)
    {
        Failure = reason;
        state = "FAILED";
    }

    // Tasks of several stream threads claim and release at once: the change and the snapshot go together.
    public void Claim(int partition)
    {
        lock (ownership)
        {
            owned.Add(partition);
            ownedSnapshot = [.. owned];
        }
    }

    public void Release(int partition)
    {
        lock (ownership)
        {
            owned.Remove(partition);
            ownedSnapshot = [.. owned];
        }
    }

    /// <summary>
    /// The latest register consultation, read from the global store while the stream runs; in a rebalance (its stores
    /// cannot be asked then) the latest read before it, so the register's age is not lost while partitions move. Null
    /// before the first one.
    /// </summary>
    public Instant? LatestConsultation()
    {
        if (Stream is not { } stream || Serdes is null || !IsRunning)
        {
            return lastConsultation?.Value;
        }
        return ReadConsultation(() =>
        {
            consultations ??= new ConsultationReader(
                stream.Store(StoreQueryParameters.FromNameAndType(StoreNames.Consultations, QueryableStoreTypes.KeyValueStore<string, byte[]>())),
                Serdes);
            return consultations.LatestAt();
        });
    }

    /// <summary>The consultation <paramref name="read"/> finds, kept for when the store cannot be asked (a rebalance).</summary>
    internal Instant? ReadConsultation(Func<Instant?> read)
    {
        try
        {
            var latest = read();
            lastConsultation = latest is { } at ? new StrongBox<Instant>(at) : null;
            return latest;
        }
        catch (Streamiz.Kafka.Net.Errors.InvalidStateStoreException)
        {
            return lastConsultation?.Value;
        }
    }

    /// <summary>Read and written by the metrics, dashboard and API threads: a reference, so never read half-written.</summary>
    private volatile StrongBox<Instant>? lastConsultation;

    private readonly ConcurrentDictionary<string, object> queryStores = new();
    private KafkaStream? queryStoresOf;

    /// <summary>A subject store of this instance, for queries (null while rebalancing). Streamiz resolves the tasks' stores on each read, so the handle is kept.</summary>
    public IReadOnlyKeyValueStore<string, T>? SubjectStore<T>(string name)
    {
        try
        {
            if (Stream is not { } stream)
            {
                return null;
            }
            if (!ReferenceEquals(queryStoresOf, stream))
            {
                queryStores.Clear();
                queryStoresOf = stream;
            }
            if (queryStores.TryGetValue(name, out var cached))
            {
                return (IReadOnlyKeyValueStore<string, T>)cached;
            }
            var store = stream.Store(StoreQueryParameters.FromNameAndType(name, QueryableStoreTypes.KeyValueStore<string, T>()));
            queryStores[name] = store;
            return store;
        }
        catch (Streamiz.Kafka.Net.Errors.InvalidStateStoreException)
        {
            return null;
        }
    }
}
