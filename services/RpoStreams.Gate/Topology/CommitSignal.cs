using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// A state store that holds nothing and tells its task's processors when a commit begins. Streamiz flushes
/// every store of a task at the start of each commit, then flushes the producer and commits; processing
/// resumes only after that returns. So what a processor had done when <see cref="Flushing"/> fired is
/// durable by the time it processes its next record.
/// </summary>
public sealed class CommitSignal : IStateStore
{
    public CommitSignal(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public bool Persistent => false;

    public bool IsLocally => true;

    public bool IsOpen { get; private set; }

    /// <summary>Raised on the stream thread when the task's commit starts.</summary>
    public event Action? Flushing;

    public void Init(ProcessorContext context, IStateStore root)
    {
        context.Register(root, (_, _, _) => { });
        IsOpen = true;
    }

    public void Flush() => Flushing?.Invoke();

    public void Close() => IsOpen = false;
}

/// <summary>Adds a <see cref="CommitSignal"/> to a topology (no changelog, no cache).</summary>
public sealed class CommitSignalBuilder : IStoreBuilder<CommitSignal>
{
    public CommitSignalBuilder(string name)
    {
        Name = name;
    }

    public bool IsWindowStore => false;

    public long RetentionMs => 0;

    public IDictionary<string, string> LogConfig { get; } = new Dictionary<string, string>();

    public bool LoggingEnabled => false;

    public string Name { get; }

    public CacheSize CacheSize => null!;

    public CommitSignal Build(IStreamConfig config) => new(Name);

    IStateStore IStoreBuilder.Build(IStreamConfig config) => Build(config);

    public IStoreBuilder<CommitSignal> WithCachingEnabled(CacheSize? cacheSize = null) => this;

    public IStoreBuilder<CommitSignal> WithCachingDisabled() => this;

    public IStoreBuilder<CommitSignal> WithLoggingEnabled(IDictionary<string, string> config) => this;

    public IStoreBuilder<CommitSignal> WithLoggingDisabled() => this;

    public void CacheExplicitlySet()
    {
    }
}
