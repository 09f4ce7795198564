using RpoStreams.Policy.Subjects;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Walks a string-keyed store with a range enumerator that is disposed when the walk ends. Streamiz's
/// <c>All()</c> copies the whole store into a list and leaves RocksDB iterators open until the store closes.
/// </summary>
public static class StoreScan
{
    /// <summary>
    /// A key above every key the gate writes, in the UTF-8 byte order both kinds of store keep: keys hold ids of any
    /// character (an id starting with an emoji encodes as F0…, above U+FFFF's EF BF BF), so the bound is U+10FFFF,
    /// the highest code point (F4 8F BF BF), repeated more times than any key can start with it (ids are at most
    /// 128 UTF-16 characters, 64 such code points, and every key either is one id or joins ids with U+001F).
    /// </summary>
    internal static readonly string End = string.Concat(Enumerable.Repeat("\U0010FFFF", 2 * InputLimits.Id));

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
