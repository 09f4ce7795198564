using System.Buffers.Binary;
using System.Numerics;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Which keys a store may hold, in memory: a split-block Bloom filter (each key sets one bit in each of eight
/// 32-bit words of one 32-byte block, so an answer reads one cache line) that grows by adding a filter twice
/// the size of the last whenever that one is full. "Absent" is certain, "present" is right but for about 1 in 100
/// absent keys. Most intents are for subjects the store has never held; this answers them without a RocksDB
/// read. Only the stream thread adds; other threads may ask (see <see cref="RocksDbStateStore"/> for why they
/// never miss a key that is only in RocksDB).
/// </summary>
public sealed class KeyFilter
{
    private const int BitsPerKey = 10;
    private const int WordsPerBlock = 8;
    /// <summary>Keys the first filter takes before the filter grows.</summary>
    public const long SmallestCapacity = 1 << 18;

    private static readonly uint[] Salts = [0x47b6137bu, 0x44974d91u, 0x8824ad5bu, 0xa2b7289du, 0x705495c7u, 0x2df1424bu, 0x9efc4947u, 0x5c6bfb31u];

    private volatile Segment[] segments;

    /// <summary>A filter sized for about <paramref name="expectedKeys"/> keys (and at least <paramref name="smallest"/>) before it first grows.</summary>
    public KeyFilter(long expectedKeys = 0, long smallest = SmallestCapacity)
    {
        segments = [new Segment(Math.Max(smallest, expectedKeys + expectedKeys / 2))];
    }

    /// <summary>Keys added (each counted once, but for the rare key a filter took for one it already had).</summary>
    public long Count { get; private set; }

    /// <summary>True when the next key not found would add a filter (see <see cref="RocksDbStateStore"/>, which may build a new one instead).</summary>
    public bool Full => segments[^1] is var last && last.Count >= last.Capacity;

    /// <summary>The bytes the filter holds.</summary>
    public long Bytes => segments.Sum(s => (long)s.Words.Length * sizeof(uint));

    public bool MightContain(ReadOnlySpan<byte> key) => MightContain(Hash(key));

    public void Add(ReadOnlySpan<byte> key)
    {
        var hash = Hash(key);
        if (!MightContain(hash))
        {
            Add(hash);
        }
    }

    /// <summary>Adds a key by its <see cref="Hash"/>, for a caller that has found <see cref="MightContain(ulong)"/> false.</summary>
    public void Add(ulong hash)
    {
        if (Full)
        {
            segments = [.. segments, new Segment(segments[^1].Capacity * 2)];
        }
        segments[^1].Add(hash);
        Count++;
    }

    /// <summary>Whether the key of this <see cref="Hash"/> may have been added.</summary>
    public bool MightContain(ulong hash)
    {
        foreach (var segment in segments)
        {
            if (segment.MightContain(hash))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A 64-bit hash of the key's bytes (one multiply-rotate round per 8 bytes, then a final mix).</summary>
    public static ulong Hash(ReadOnlySpan<byte> key)
    {
        const ulong c1 = 0x87c37b91114253d5UL, c2 = 0x4cf5ad432745937fUL;
        var h = (ulong)key.Length * 0x9E3779B97F4A7C15UL;
        while (key.Length >= 8)
        {
            h ^= BitOperations.RotateLeft(BinaryPrimitives.ReadUInt64LittleEndian(key) * c1, 31) * c2;
            h = (BitOperations.RotateLeft(h, 27) * 5) + 0x52dce729;
            key = key[8..];
        }
        if (!key.IsEmpty)
        {
            ulong tail = 0;
            for (var i = key.Length - 1; i >= 0; i--)
            {
                tail = (tail << 8) | key[i];
            }
            h ^= BitOperations.RotateLeft(tail * c1, 31) * c2;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        return h ^ (h >> 33);
    }

    private sealed class Segment(long capacity)
    {
        public readonly uint[] Words = new uint[Blocks(capacity) * WordsPerBlock];

        public long Capacity { get; } = capacity;

        public long Count { get; private set; }

        private long BlockCount => Words.Length / WordsPerBlock;

        public bool MightContain(ulong hash)
        {
            var block = Block(hash);
            var low = (uint)hash;
            for (var i = 0; i < WordsPerBlock; i++)
            {
                if ((Words[block + i] & Bit(low, i)) == 0)
                {
                    return false;
                }
            }
            return true;
        }

        public void Add(ulong hash)
        {
            var block = Block(hash);
            var low = (uint)hash;
            for (var i = 0; i < WordsPerBlock; i++)
            {
                Words[block + i] |= Bit(low, i);
            }
            Count++;
        }

        private long Block(ulong hash) => (long)(((hash >> 32) * (ulong)BlockCount) >> 32) * WordsPerBlock;

        private static uint Bit(uint low, int i) => 1u << (int)((low * Salts[i]) >> 27);

        private static long Blocks(long capacity) => Math.Max(1, (capacity * BitsPerKey + (WordsPerBlock * 32) - 1) / (WordsPerBlock * 32));
    }
}
