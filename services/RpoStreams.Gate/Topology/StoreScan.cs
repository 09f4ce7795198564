using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Walks a string-keyed store with a range enumerator that is disposed when the walk ends. Streamiz's
/// <c>All()</c> copies the whole store into a list and leaves RocksDB iterators open until the store closes.
/// </summary>
public static class StoreScan
{
    private static readonly string End = new(char.MaxValue, 4);

    public static IEnumerable<KeyValuePair<string, T>> Each<T>(IReadOnlyKeyValueStore<string, T> store)
    {
        using var range = store.Range(string.Empty, End);
        while (range.MoveNext())
        {
            if (range.Current is { } current)
            {
                yield return current;
            }
        }
    }
}
