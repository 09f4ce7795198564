using System.Globalization;
using System.Text;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net.Crosscutting;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// The subject store answers a key it has never held without reading RocksDB. A key the filter wrongly called
/// absent would be a subject decided without its register entry, so these look for any false "absent".
/// </summary>
public sealed class KeyFilterTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "rpo-keyfilter-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Every_key_added_is_found_as_the_filter_grows_and_few_others_are()
    {
        var filter = new KeyFilter();
        var random = new Random(7);
        var added = Enumerable.Range(0, 700_000).Select(_ => Key(random)).ToList();
        foreach (var key in added)
        {
            filter.Add(key);
        }

        Assert.All(added, key => Assert.True(filter.MightContain(key)));
        Assert.True(filter.Bytes > (1 << 18) * 10 / 8, "the filter grew past its first size");
        var falsePositives = Enumerable.Range(0, 100_000).Count(_ => filter.MightContain(Key(random)));
        Assert.InRange(falsePositives, 0, 4_000);
    }

    [Fact]
    public void Short_keys_and_keys_that_differ_in_one_byte_are_told_apart()
    {
        var filter = new KeyFilter();
        filter.Add("k1"u8);
        filter.Add(Encoding.UTF8.GetBytes(new string('a', 64)));

        Assert.True(filter.MightContain("k1"u8));
        Assert.True(filter.MightContain(Encoding.UTF8.GetBytes(new string('a', 64))));
        var others = Enumerable.Range(0, 1_000).Count(i => filter.MightContain(Encoding.UTF8.GetBytes("k" + (i + 2).ToString(CultureInfo.InvariantCulture))));
        Assert.InRange(others, 0, 50);
    }

    [Fact]
    public void A_store_opened_on_local_state_finds_the_keys_it_held()
    {
        var keys = Enumerable.Range(0, 5_000).Select(i => Key("subject", i)).ToList();
        WithStore(KeyFilter.SmallestCapacity, store =>
        {
            foreach (var key in keys)
            {
                store.Put(key, Encoding.UTF8.GetBytes("state of " + Encoding.UTF8.GetString(key.Get)));
            }
        });

        WithStore(KeyFilter.SmallestCapacity, reopened =>
        {
            Assert.All(keys, key => Assert.Equal("state of " + Encoding.UTF8.GetString(key.Get), Encoding.UTF8.GetString(reopened.Get(key))));
            Assert.Null(reopened.Get(Bytes.Wrap("never-written"u8.ToArray())));
        });
    }

    [Fact]
    public void A_full_filter_over_keys_since_deleted_is_built_again_from_the_store_instead_of_growing() => WithStore(1_000, store =>
    {
        // A thousand subjects written and then deleted (as the sweep does) fill the first filter.
        for (var i = 0; i < 1_000; i++)
        {
            store.Put(Key("old", i), "state"u8.ToArray());
        }
        store.Flush();
        for (var i = 0; i < 1_000; i++)
        {
            store.Put(Key("old", i), null);
        }
        store.Flush();
        var full = store.KeyFilterBytes;

        // The next new key finds it full: built again from the store (no key left), not grown.
        for (var i = 0; i < 900; i++)
        {
            store.Put(Key("new", i), "state"u8.ToArray());
        }

        Assert.Equal(full, store.KeyFilterBytes);
        Assert.All(Enumerable.Range(0, 900), i => Assert.NotNull(store.Get(Key("new", i))));
        Assert.Null(store.Get(Key("old", 7)));
        store.Put(Key("old", 7), "again"u8.ToArray());
        store.Flush();
        Assert.Equal("again", Encoding.UTF8.GetString(store.Get(Key("old", 7))));
    });

    [Fact]
    public void A_full_filter_over_keys_still_held_grows_and_keeps_them_all() => WithStore(1_000, store =>
    {
        for (var i = 0; i < 2_500; i++)
        {
            store.Put(Key("k", i), "state"u8.ToArray());
            if (i % 300 == 0)
            {
                store.Flush();
            }
        }

        Assert.True(store.KeyFilterBytes > new KeyFilter(0, 1_000).Bytes);
        Assert.All(Enumerable.Range(0, 2_500), i => Assert.NotNull(store.Get(Key("k", i))));
    });

    /// <summary>Runs <paramref name="test"/> on the subject store opened in this test's directory, closed after it.</summary>
    private void WithStore(long smallestKeyFilter, Action<RocksDbStateStore> test)
    {
        var store = new RocksDbStateStore("subjects", null, logged: false) { SmallestKeyFilter = smallestKeyFilter };
        store.Open(dir);
        try
        {
            test(store);
        }
        finally
        {
            store.Close();
        }
    }

    private static Bytes Key(string prefix, int i) => Bytes.Wrap(Encoding.UTF8.GetBytes(prefix + "-" + i.ToString(CultureInfo.InvariantCulture)));

    public void Dispose()
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Key(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return Encoding.ASCII.GetBytes(Convert.ToHexString(bytes));
    }
}
