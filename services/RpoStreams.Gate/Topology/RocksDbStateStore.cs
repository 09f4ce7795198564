using System.Collections.Concurrent;
using RocksDbSharp;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.Errors;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.Enumerator;
using Streamiz.Kafka.Net.State.Supplier;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The RocksDB store of the subject state. Streamiz 1.8.2's own RocksDB store writes without a write-ahead
/// log and so, at every commit (ten times a second per task), flushes its memtables into a new file: the
/// files, their syncs and their compactions cost more than the lookups they serve, and every lookup then
/// searches more files. This store flushes memtables only when they are full, so recent writes are read
/// from memory. What a crash leaves behind depends on the guarantee:
/// <list type="bullet">
/// <item>exactly-once: nothing is logged; local state is wiped after an unclean stop and restored from the
/// changelogs (CleanShutdownMarker), and a clean close flushes the memtables;</item>
/// <item>at-least-once (the development broker): RocksDB's write-ahead log, buffered in memory and handed to
/// the OS at each commit (<see cref="Flush"/>), so a killed process loses nothing committed and the local
/// state is kept.</item>
/// </list>
/// Writes wait in memory until the next commit (or until <see cref="MaxPending"/> of them have gathered) and then
/// go to RocksDB in one batch, sorted by key: one write per commit instead of one per decision, and sorted inserts
/// reuse the memtable's search position. Reads see the waiting writes first, and a batch while it is being written.
/// The check API reads from other threads, so those two are guarded by a lock held only to look them up or swap
/// them, never during a RocksDB call (uncontended on the stream thread's path). A key the store has never held is
/// answered from a filter of its keys in memory (<see cref="KeyFilter"/>) without a RocksDB read: a key is added
/// before it joins the waiting writes, so a reader that no longer finds it waiting finds it in the filter.
/// Same layout on disk as Streamiz's store (<c>{stateDir}/{applicationId}/{task}/rocksdb/{store}</c>),
/// restored from the same changelog.
/// </summary>
public sealed class RocksDbStateStore : IKeyValueStore<Bytes, byte[]>
{
    private readonly Action<DbOptions>? configure;
    private readonly bool logged;
    /// <summary>Writes kept in memory before they go to RocksDB in one batch, also between commits.</summary>
    public const int MaxPending = 4096;

    private readonly HashSet<RangeEnumerator> open = [];
    /// <summary>Guards <see cref="pending"/> and <see cref="writing"/>: held for lookups and swaps, never for a RocksDB call.</summary>
    private readonly Lock gate = new();
    /// <summary>Held while a batch goes to RocksDB, so batches land in the order they were taken.</summary>
    private readonly Lock writer = new();
    private Dictionary<byte[], byte[]?> pending = new(ByteKeys.Instance);
    /// <summary>The batch being written to RocksDB, still read from here until it is there; null between batches.</summary>
    private Dictionary<byte[], byte[]?>? writing;
    private Dictionary<byte[], byte[]?> spare = new(ByteKeys.Instance);
    private RocksDb? db;
    private WriteOptions writeOptions = null!;
    /// <summary>The keys the store may hold: a key it has never held is answered without a RocksDB read.</summary>
    private volatile KeyFilter keys = new(0, 1);

    /// <summary>The bytes of the filter of keys (<see cref="KeyFilter"/>).</summary>
    public long KeyFilterBytes => keys.Bytes;

    /// <summary>The keys the filter held when it was last built from the store.</summary>
    private long keysAtBuild;

    /// <summary>The keys a new filter takes before it grows (smaller in tests).</summary>
    internal long SmallestKeyFilter { get; init; } = KeyFilter.SmallestCapacity;

    /// <summary>A store whose writes are logged (<paramref name="logged"/>) at-least-once, not under exactly-once (see the type).</summary>
    public RocksDbStateStore(string name, Action<DbOptions>? configure, bool logged)
    {
        Name = name;
        this.configure = configure;
        this.logged = logged;
    }

    public string Name { get; }

    public bool Persistent => true;

    public bool IsLocally => true;

    public bool IsOpen => db is not null;

    private RocksDb Db => db ?? throw new InvalidStateStoreException($"Store {Name} is currently closed");

    public void Init(ProcessorContext context, IStateStore root)
    {
        OpenInTask(context.StateDir);
        context.Register(root, (key, value, _) => Put(key, value));
    }

    /// <summary>Opens the store in its task's directory, as the calling (stream) thread's.</summary>
    internal void OpenInTask(string taskDir)
    {
        Open(Path.Combine(taskDir, "rocksdb", Name));
        InTasks[this] = (ThisThread, taskDir);
    }

    /// <summary>Stores open in tasks, with the stream thread that opened each and its task's directory.</summary>
    private static readonly ConcurrentDictionary<RocksDbStateStore, (object Thread, string TaskDir)> InTasks = new();

    /// <summary>The calling thread, as an object no later thread gets (managed thread ids are reused).</summary>
    private static object ThisThread => thisThread ??= new object();

    [ThreadStatic]
    private static object? thisThread;

    /// <summary>
    /// Closes every store the calling thread opened in a task and has not closed, without writing what
    /// waits, and deletes the local state of its task (stores and checkpoint): wherever the task runs next, it
    /// restores from its changelogs, which hold every committed write and nothing aborted. For tasks Streamiz dropped
    /// without closing them (<see cref="Hosting.RevocationGuard"/>): their stores would otherwise keep RocksDB's lock, and
    /// the task could never open again in this process. Returns the task directories deleted.
    /// </summary>
    public static IReadOnlyList<string> DiscardLeftOpen()
    {
        var thread = ThisThread;
        var dirs = DiscardWhere(task => ReferenceEquals(task.Thread, thread)).Distinct().ToList();
        foreach (var dir in dirs.Where(Directory.Exists))
        {
            // Whatever cannot be deleted is still not trusted: the stop that follows is not marked clean.
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return dirs;
    }

    /// <summary>
    /// Closes every store opened in a task under <paramref name="appDir"/> that is still open, without writing what
    /// waits, and returns how many there were: after the stream has closed, any is a close Streamiz gave up on (it logs
    /// "Failed to close stream thread" and goes on), which must not count as clean.
    /// </summary>
    public static int CloseLeftOpen(string appDir)
    {
        var prefix = Path.GetFullPath(appDir) + Path.DirectorySeparatorChar;
        return DiscardWhere(task => Path.GetFullPath(task.TaskDir).StartsWith(prefix, StringComparison.Ordinal)).Count;
    }

    /// <summary>Closes the tracked stores <paramref name="which"/> picks, their waiting writes dropped; returns their task directories.</summary>
    private static List<string> DiscardWhere(Func<(object Thread, string TaskDir), bool> which)
    {
        var picked = InTasks.Where(e => which(e.Value)).ToList();
        foreach (var (store, _) in picked)
        {
            lock (store.writer)
            {
                lock (store.gate)
                {
                    store.pending.Clear();
                    store.writing = null;
                }
                store.Release();
            }
        }
        return picked.Select(e => e.Value.TaskDir).ToList();
    }

    /// <summary>
    /// Opens the store in <paramref name="dir"/>: what <see cref="Init"/> does for Streamiz, and what the benchmark's
    /// durable-state ceiling calls to keep its subject state in the gate's own store.
    /// </summary>
    public void Open(string dir)
    {
        Directory.CreateDirectory(dir);
        var options = new DbOptions().SetCreateIfMissing(true).SetInfoLogLevel(InfoLogLevel.Error);
        configure?.Invoke(options);
        // Keys are subjectRefs (uniform hex). The memtable stays an ordered skip list: a hashed one would have to copy
        // itself into order for every range the sweep opens. A bloom filter over whole keys answers "absent" (most
        // subjects asked about) without walking it. No prefix extractor: with one, every table's filter holds each
        // key's prefix beside the key, twice the entries for the same bits, and lets more absent keys through to
        // an index search and a block read.
        options.SetMemtablePrefixBloomSizeRatio(0.05);
        Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
        writeOptions = new WriteOptions();
        if (logged)
        {
            // The log is written to the OS when a commit flushes the store, not at every write.
            Native.Instance.rocksdb_options_set_manual_wal_flush(options.Handle, 1);
        }
        else
        {
            writeOptions.DisableWal(1);
        }
        RocksDb opened;
        try
        {
            opened = RocksDb.Open(options, dir);
            // The filter before the store reads as open: a reader must never find it open with keys missing.
            keys = FilterOf(opened, SmallestKeyFilter);
            keysAtBuild = keys.Count;
        }
        catch (RocksDbException e)
        {
            throw new ProcessorStateException($"Error opening store {Name} at location {dir}", e);
        }
        db = opened;
    }

    /// <summary>
    /// The filter of every key <paramref name="store"/> holds (each key written later is added as it is written). A
    /// read error ends it with an exception, never with a filter missing keys.
    /// </summary>
    private static KeyFilter FilterOf(RocksDb store, long smallest)
    {
        var filter = new KeyFilter(EstimatedKeys(store), smallest);
        using var iterator = store.NewIterator(null, new ReadOptions().SetTotalOrderSeek(true).SetFillCache(false));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            filter.Add(iterator.GetKeySpan());
        }
        Native.Instance.rocksdb_iter_get_error(iterator.Handle);
        return filter;
    }

    private static long EstimatedKeys(RocksDb store) =>
        long.TryParse(store.GetProperty("rocksdb.estimate-num-keys"), out var n) && n > 0 ? n : 0;

    /// <summary>
    /// A new key is about to be added: when the filter is full and holds more than twice the keys the store still has
    /// (subjects the sweep deleted stay in a filter), it is built again from the store instead of growing. At most once
    /// per doubling of the keys added since the last build, so a scan's cost is spread over as many writes.
    /// </summary>
    private void MakeRoomForKey()
    {
        if (!keys.Full || keys.Count < 2 * keysAtBuild || keys.Count <= 2 * EstimatedKeys(Db))
        {
            return;
        }
        // Everything waiting goes to RocksDB first, so the new filter has every key; readers keep the old one until then.
        WritePending();
        keys = FilterOf(Db, SmallestKeyFilter);
        keysAtBuild = keys.Count;
    }

    // Streamiz's interfaces say byte[]; a missing key is null, as in its own stores.
    // The lock guards the waiting writes only: a batch leaves them after it is in RocksDB, so a key not found
    // there is read from RocksDB outside the lock, and a check API read neither holds up the stream thread nor
    // waits for a batch being written.
    public byte[] Get(Bytes key)
    {
        lock (gate)
        {
            if (pending.TryGetValue(key.Get, out var waiting) || (writing?.TryGetValue(key.Get, out waiting) ?? false))
            {
                return waiting!;
            }
        }
        // A key never written is not in RocksDB: added to the filter before it left the waiting writes (under the lock).
        var store = Db;
        return keys.MightContain(key.Get) ? store.Get(key.Get)! : null!;
    }

    public void Put(Bytes key, byte[]? value)
    {
        if (value is not null && KeyFilter.Hash(key.Get) is var hash && !keys.MightContain(hash))
        {
            MakeRoomForKey();
            keys.Add(hash);
        }
        bool full;
        lock (gate)
        {
            pending[key.Get] = value;
            full = pending.Count >= MaxPending;
        }
        if (full)
        {
            WritePending();
        }
    }

    // Writes come from the stream thread alone, so a read and then a write is not a race.
    public byte[] PutIfAbsent(Bytes key, byte[] value)
    {
        byte[]? existing = Get(key);
        if (existing is null)
        {
            Put(key, value);
        }
        return existing!;
    }

    public void PutAll(IEnumerable<KeyValuePair<Bytes, byte[]>> entries)
    {
        foreach (var (key, value) in entries)
        {
            Put(key, value);
        }
    }

    public byte[] Delete(Bytes key)
    {
        var existing = Get(key);
        Put(key, null);
        return existing;
    }

    // Ranges read RocksDB itself: the waiting writes go there first.
    public IKeyValueEnumerator<Bytes, byte[]> Range(Bytes from, Bytes to) => Track(new RangeEnumerator(this, from.Get, to.Get, forward: true));

    public IKeyValueEnumerator<Bytes, byte[]> ReverseRange(Bytes from, Bytes to) => Track(new RangeEnumerator(this, from.Get, to.Get, forward: false));

    public IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Enumerate(Track(new RangeEnumerator(this, null, null, forward: true)));

    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Enumerate(Track(new RangeEnumerator(this, null, null, forward: false)));

    public long ApproximateNumEntries() =>
        long.TryParse(Db.GetProperty("rocksdb.estimate-num-keys"), out var n) && n > 0 ? n : 0;

    /// <summary>
    /// At a commit: the waiting writes go to RocksDB; at-least-once, the write-ahead log then goes to the OS (no
    /// sync: a process crash loses nothing committed, a power loss may).
    /// </summary>
    public void Flush()
    {
        lock (writer)
        {
            if (db is null)
            {
                return;
            }
            WritePending();
            if (logged)
            {
                Native.Instance.rocksdb_flush_wal(db.Handle, 0);
            }
        }
    }

    /// <summary>
    /// The waiting writes become the batch being written (readers still find them there) and go to RocksDB in one
    /// write; only then does the batch stop being read.
    /// </summary>
    private void WritePending()
    {
        lock (writer)
        {
            Dictionary<byte[], byte[]?> batchWrites;
            lock (gate)
            {
                if (pending.Count == 0)
                {
                    return;
                }
                batchWrites = writing = pending;
                pending = spare;
            }
            var writes = batchWrites.ToArray();
            // RocksDB's default order: bytewise, a shorter key before its extensions.
            Array.Sort(writes, static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            using (var batch = new WriteBatch())
            {
                foreach (var (key, value) in writes)
                {
                    if (value is null)
                    {
                        batch.Delete(key);
                    }
                    else
                    {
                        batch.Put(key, value);
                    }
                }
                Db.Write(batch, writeOptions);
            }
            lock (gate)
            {
                writing = null;
                batchWrites.Clear();
                spare = batchWrites;
            }
        }
    }

    public void Close()
    {
        if (db is not null)
        {
            Flush();
            if (!logged)
            {
                // Nothing is logged: the memtables go to disk now, before the checkpoint Streamiz keeps on a clean close counts on them.
                db.Flush(new FlushOptions().SetWaitForFlush(true));
            }
        }
        // Only after the writes: a close that failed before leaves the store open and tracked, so the stop is not marked clean.
        Release();
    }

    /// <summary>Closes RocksDB, and the ranges still open on it, and stops tracking the store (<see cref="InTasks"/>).</summary>
    private void Release()
    {
        if (db is not null)
        {
            foreach (var iterator in open.ToList())
            {
                iterator.Dispose();
            }
            db.Dispose();
            db = null;
        }
        InTasks.TryRemove(this, out _);
    }

    private RangeEnumerator Track(RangeEnumerator enumerator)
    {
        open.Add(enumerator);
        return enumerator;
    }

    private static IEnumerable<KeyValuePair<Bytes, byte[]>> Enumerate(RangeEnumerator enumerator)
    {
        using (enumerator)
        {
            while (enumerator.MoveNext())
            {
                yield return enumerator.Current!.Value;
            }
        }
    }

    /// <summary>Keys from <c>from</c> to <c>to</c>, both included, in byte order (or reversed); null bounds are open.</summary>
    private sealed class RangeEnumerator : IKeyValueEnumerator<Bytes, byte[]>
    {
        private readonly RocksDbStateStore store;
        private readonly byte[]? from;
        private readonly byte[]? to;
        private readonly bool forward;
        private Iterator? iterator;
        private bool started;

        public RangeEnumerator(RocksDbStateStore store, byte[]? from, byte[]? to, bool forward)
        {
            this.store = store;
            this.from = from;
            this.to = to;
            this.forward = forward;
            store.WritePending();
            // Ranges cross prefixes: they need the total order, not the prefix hash.
            iterator = store.Db.NewIterator(null, new ReadOptions().SetTotalOrderSeek(true));
        }

        public KeyValuePair<Bytes, byte[]>? Current { get; private set; }

        object? System.Collections.IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (iterator is null)
            {
                return false;
            }
            if (!started)
            {
                started = true;
                if (forward)
                {
                    _ = from is null ? iterator.SeekToFirst() : iterator.Seek(from);
                }
                else
                {
                    _ = to is null ? iterator.SeekToLast() : iterator.SeekForPrev(to);
                }
            }
            else
            {
                _ = forward ? iterator.Next() : iterator.Prev();
            }
            if (!iterator.Valid())
            {
                Current = null;
                return false;
            }
            var key = iterator.Key();
            if ((forward && to is not null && key.AsSpan().SequenceCompareTo(to) > 0) || (!forward && from is not null && key.AsSpan().SequenceCompareTo(from) < 0))
            {
                Current = null;
                return false;
            }
            Current = new KeyValuePair<Bytes, byte[]>(Bytes.Wrap(key), iterator.Value());
            return true;
        }

        public Bytes PeekNextKey() => throw new NotSupportedException("not used by the gate");

        public void Reset() => throw new NotSupportedException();

        public void Dispose()
        {
            iterator?.Dispose();
            iterator = null;
            store.open.Remove(this);
        }
    }
}

/// <summary>Byte-array keys compared by content.</summary>
internal sealed class ByteKeys : IEqualityComparer<byte[]>
{
    public static readonly ByteKeys Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }
}

/// <summary>Supplies a <see cref="RocksDbStateStore"/> per task.</summary>
public sealed class RocksDbStateStoreSupplier(string name, Action<DbOptions>? configure, bool logged) : IKeyValueBytesStoreSupplier
{
    public string Name { get; set; } = name;

    public string MetricsScope => "rocksdb-state";

    public IKeyValueStore<Bytes, byte[]> Get() => new RocksDbStateStore(Name, configure, logged);
}
