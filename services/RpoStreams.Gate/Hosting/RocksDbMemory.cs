using RocksDbSharp;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// RocksDB memory for the whole process: one LRU block cache (with bloom filters, index and filter blocks
/// in it) shared by every store, and small memtables per store, instead of Streamiz's default of a 50 MB
/// cache and 3 × 16 MB write buffers for each store. (Streamiz's own BoundMemoryRocksDbConfigHandler calls
/// a RocksDbSharp signature the pinned RocksDB 11.12 package does not have.)
/// </summary>
public sealed class RocksDbMemory
{
    private const ulong WriteBufferBytes = 4 * 1024 * 1024;
    private readonly Cache cache;

    public RocksDbMemory(int totalMb)
    {
        // Memtables take at most stores × 2 × 4 MB; the cache gets the configured budget.
        cache = Cache.CreateLru((ulong)totalMb * 1024 * 1024);
    }

    public void Configure(string storeName, RocksDbOptions options)
    {
        var table = new BlockBasedTableOptions()
            .SetBlockCache(cache)
            .SetBlockSize(16 * 1024)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true);
        options.SetBlockBasedTableFactory(table);
        options.SetWriteBufferSize(WriteBufferBytes);
        options.SetMaxWriteBufferNumber(2);
        options.SetCompression(Compression.Lz4);
        options.SetStatsDumpPeriodSec(0);
    }
}
