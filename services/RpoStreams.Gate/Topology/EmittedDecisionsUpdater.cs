using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>Keeps the global view of calls.decisions.v1 (intentId → decision bytes) used when reconciling outputs.</summary>
public sealed class EmittedDecisionsUpdater : IProcessor<string, byte[]>
{
    private IKeyValueStore<string, byte[]> store = null!;

    public void Init(ProcessorContext<string, byte[]> context) =>
        store = (IKeyValueStore<string, byte[]>)context.GetStateStore(StoreNames.EmittedDecisions);

    public void Process(Record<string, byte[]> record)
    {
        if (record.Key is not null && record.Value is not null)
        {
            store.Put(record.Key, record.Value);
        }
    }

    public void Close()
    {
    }
}
