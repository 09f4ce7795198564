using RocksDbSharp;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// RocksDB memory for the whole process: one LRU block cache of data blocks shared by every store, each table's
/// index and bloom filter held by its open table (about 2 MB per million subjects), and two 8 MB memtables per store (flushed when full, see
/// <see cref="Topology.RocksDbStateStore"/>), instead of Streamiz's default of a 50 MB cache and 3 × 16 MB write
/// buffers for each store. Blocks are 4 KB and not compressed: a decision reads one subject, and with a register
/// larger than the cache most reads miss it, so each miss reads (and before, decompressed) a whole block; the
/// full benchmark's gate CPU per decision fell by about a tenth (1M subjects), for a third more disk.
/// Filters and indexes stay out of the cache: a table's filter can outgrow one of the cache's shards (64 MB cache,
/// 64 shards of 1 MB), and data blocks then evicted it, so reads loaded it again and again (docs/performance.md).
/// </summary>
public sealed class RocksDbMemory
{
    private const ulong WriteBufferBytes = 8 * 1024 * 1024;
    private readonly Cache cache;

    public RocksDbMemory(int totalMb)
    {
        // Memtables take at most stores × 2 × 8 MB; the cache gets the configured budget.
        cache = Cache.CreateLru((ulong)totalMb * 1024 * 1024);
    }

    /// <summary>For the gate's own RocksDB store.</summary>
    public void Configure(DbOptions options)
    {
        var table = new BlockBasedTableOptions()
            .SetBlockCache(cache)
            .SetBlockSize(4 * 1024)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(false);
        options.SetBlockBasedTableFactory(table);
        options.SetWriteBufferSize(WriteBufferBytes);
        options.SetMaxWriteBufferNumber(2);
        options.SetCompression(Compression.No);
        options.SetStatsDumpPeriodSec(0);
        options.IncreaseParallelism(2);
    }
}
