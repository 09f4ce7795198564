using RocksDbSharp;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// RocksDB memory for the whole process: one LRU block cache (with bloom filters, index and filter blocks
/// in it) shared by every store, and two 8 MB memtables per store (flushed when full, see
/// <see cref="Topology.RocksDbStateStore"/>), instead of Streamiz's default of a 50 MB cache and 3 × 16 MB write
/// buffers for each store.
/// </summary>
public sealed class RocksDbMemory
{
    private const ulong WriteBufferBytes = 8 * 1024 * 1024;
    private readonly Cache cache;

    public RocksDbMemory(int totalMb)
    {
        // Memtables take at most stores × 2 × 4 MB; the cache gets the configured budget.
        cache = Cache.CreateLru((ulong)totalMb * 1024 * 1024);
    }

    /// <summary>For the gate's own RocksDB store.</summary>
    public void Configure(DbOptions options)
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
        options.IncreaseParallelism(2);
    }
}
