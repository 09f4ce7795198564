using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// A state store that holds nothing and tells its task's processor when a commit begins. Streamiz flushes a
/// task's stores, in the order the processor names them, at the start of every commit, before it flushes the
/// producer and commits: what the processor writes to a logged store on <see cref="Committing"/> is in that
/// commit. Named first, so it runs before the stores it writes to are flushed.
/// </summary>
public sealed class CommitHook(string name) : IStateStore
{
    public string Name { get; } = name;

    public bool Persistent => false;

    public bool IsLocally => true;

    public bool IsOpen { get; private set; }

    /// <summary>Raised on the stream thread when the task's commit starts.</summary>
    public event Action? Committing;

    public void Init(ProcessorContext context, IStateStore root)
    {
        context.Register(root, (_, _, _) => { });
        IsOpen = true;
    }

    public void Flush() => Committing?.Invoke();

    public void Close() => IsOpen = false;
}

/// <summary>Adds a <see cref="CommitHook"/> to a topology (no changelog, no cache).</summary>
public sealed class CommitHookBuilder(string name) : IStoreBuilder<CommitHook>
{
    public bool IsWindowStore => false;

    public long RetentionMs => 0;

    public IDictionary<string, string> LogConfig { get; } = new Dictionary<string, string>();

    public bool LoggingEnabled => false;

    public string Name { get; } = name;

    public CacheSize CacheSize => null!;

    public CommitHook Build(IStreamConfig config) => new(Name);

    IStateStore IStoreBuilder.Build(IStreamConfig config) => Build(config);

    public IStoreBuilder<CommitHook> WithCachingEnabled(CacheSize? cacheSize = null) => this;

    public IStoreBuilder<CommitHook> WithCachingDisabled() => this;

    public IStoreBuilder<CommitHook> WithLoggingEnabled(IDictionary<string, string> config) => this;

    public IStoreBuilder<CommitHook> WithLoggingDisabled() => this;

    public void CacheExplicitlySet()
    {
    }
}
