using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.DevKafka;

/// <summary>
/// An in-process Kafka broker for development and tests: librdkafka's mock cluster
/// (<c>rd_kafka_mock_cluster_new</c>), which speaks the Kafka protocol on a loopback port and supports
/// consumer groups, idempotent and transactional producers, in memory only. It has no CreateTopics API,
/// so topics are created through the mock API, and <see cref="CreateTopics"/> returns only when
/// metadata shows each with its partition count (producing earlier mis-partitions keys).
/// Never a production broker.
/// </summary>
public sealed partial class EmbeddedKafka : IDisposable
{
    private readonly IntPtr handle;
    private readonly IntPtr cluster;
    private bool disposed;
    /// <summary>The offset before which <see cref="DeleteRecords"/> last deleted, by partition.</summary>
    private readonly Dictionary<(string Topic, int Partition), long> deletedBefore = [];

    private EmbeddedKafka(IntPtr handle, IntPtr cluster, string bootstrap)
    {
        this.handle = handle;
        this.cluster = cluster;
        BootstrapServers = bootstrap;
    }

    /// <summary>Where clients connect, for example <c>127.0.0.1:39431</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>
    /// A topic every embedded broker has and no real cluster does: a gate that sees it in the metadata knows it
    /// runs on a development broker without transactions (see docs/reliability.md).
    /// </summary>
    public const string MarkerTopic = "_rpo.development-broker";

    /// <summary>Starts a mock cluster with the given number of brokers on loopback ports.</summary>
    public static EmbeddedKafka Start(int brokers = 1)
    {
        Native.EnsureLoaded();
        var errors = new byte[512];
        var conf = Native.rd_kafka_conf_new();
        // A client handle owns the mock cluster; without bootstrap servers it never connects anywhere itself.
        foreach (var (name, value) in new[] { ("log_level", "2") })
        {
            if (Native.rd_kafka_conf_set(conf, name, value, errors, (UIntPtr)errors.Length) != 0)
            {
                throw new InvalidOperationException($"librdkafka refused {name}: {Text(errors)}");
            }
        }
        var rk = Native.rd_kafka_new(0 /* producer */, conf, errors, (UIntPtr)errors.Length);
        if (rk == IntPtr.Zero)
        {
            throw new InvalidOperationException($"librdkafka could not create the handle of the embedded broker: {Text(errors)}");
        }
        var mcluster = Native.rd_kafka_mock_cluster_new(rk, brokers);
        if (mcluster == IntPtr.Zero)
        {
            Native.rd_kafka_destroy(rk);
            throw new InvalidOperationException("librdkafka could not start the mock cluster");
        }
        // The default 3 s wait before the first rebalance makes every start and test slower for nothing here.
        _ = Native.rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster, 100);
        var bootstrap = Marshal.PtrToStringAnsi(Native.rd_kafka_mock_cluster_bootstraps(mcluster))
            ?? throw new InvalidOperationException("the mock cluster has no bootstrap address");
        var kafka = new EmbeddedKafka(rk, mcluster, bootstrap);
        kafka.CreateTopics([(MarkerTopic, 1)]);
        return kafka;
    }

    /// <summary>
    /// Creates the topics (an existing topic is left as it is) and waits until metadata shows every one
    /// of them with its partition count.
    /// </summary>
    public void CreateTopics(IEnumerable<(string Topic, int Partitions)> topics, TimeSpan? timeout = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var wanted = topics.GroupBy(t => t.Topic).Select(g => g.First()).ToList();
        foreach (var (topic, partitions) in wanted)
        {
            if (partitions < 1)
            {
                throw new ArgumentException($"topic {topic} needs at least one partition");
            }
            var err = Native.rd_kafka_mock_topic_create(cluster, topic, partitions, 1);
            if (err != 0 && err != 36 /* TOPIC_ALREADY_EXISTS */)
            {
                throw new InvalidOperationException($"the embedded broker could not create topic {topic}: error {err}");
            }
        }
        WaitForTopics(BootstrapServers, wanted, timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Makes the broker answer the next <paramref name="count"/> requests of one API (<paramref name="apiKey"/>, Kafka's
    /// number for it: 8 is OffsetCommit) with <paramref name="error"/> (Kafka's error code), whichever client sends them.
    /// For tests of how clients take a broker's refusal.
    /// </summary>
    public void FailNextRequests(short apiKey, int error, int count = 1)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Native.rd_kafka_mock_push_request_errors_array(cluster, apiKey, (UIntPtr)count, Enumerable.Repeat(error, count).ToArray());
    }

    /// <summary>From now on the broker keeps the requests it receives, for <see cref="RequestsReceived"/>; those kept before are dropped.</summary>
    public void TrackRequests()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Native.rd_kafka_mock_clear_requests(cluster);
        Native.rd_kafka_mock_start_request_tracking(cluster);
    }

    /// <summary>How many requests with the API key <paramref name="apiKey"/> the broker received since <see cref="TrackRequests"/>.</summary>
    public int RequestsReceived(short apiKey)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var requests = Native.rd_kafka_mock_get_requests(cluster, out var count);
        try
        {
            var received = 0;
            for (var i = 0; i < (int)count; i++)
            {
                if (Native.rd_kafka_mock_request_api_key(Marshal.ReadIntPtr(requests, i * IntPtr.Size)) == apiKey)
                {
                    received++;
                }
            }
            return received;
        }
        finally
        {
            if (requests != IntPtr.Zero)
            {
                Native.rd_kafka_mock_request_destroy_array(requests, count);
            }
        }
    }

    /// <summary>
    /// Deletes the records of one partition before <paramref name="beforeOffset"/>, as Kafka's DeleteRecords does: the
    /// log then starts there. The embedded broker finds a fetch's position by walking a partition's batches from the
    /// oldest, so a long log makes every fetch behind its end cost more; a tool that knows what was read can keep it short.
    /// The broker drops whole batches and would move a partition's start back if asked to, so an offset at or below
    /// one given before for the partition is ignored.
    /// </summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        lock (deletedBefore)
        {
            if (deletedBefore.TryGetValue((topic, partition), out var earlier) && beforeOffset <= earlier)
            {
                return;
            }
            deletedBefore[(topic, partition)] = beforeOffset;
        }
        var err = Native.rd_kafka_mock_partition_delete_records(cluster, topic, partition, beforeOffset);
        if (err != 0)
        {
            throw new InvalidOperationException($"the embedded broker could not delete records of {topic}[{partition}] before offset {beforeOffset}: error {err}");
        }
    }

    /// <summary>Waits until metadata from <paramref name="bootstrap"/> shows each topic with at least its partition count.</summary>
    public static void WaitForTopics(string bootstrap, IReadOnlyCollection<(string Topic, int Partitions)> topics, TimeSpan timeout)
    {
        // On the loopback broker this process runs: nothing to secure, and its metadata retries are not worth a log line.
        using var admin = KafkaClientFactory.Unconfigured.CreateAdmin(new AdminClientConfig { BootstrapServers = bootstrap, LogConnectionClose = false });
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var missing = new List<string>();
            try
            {
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
                var seen = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
                foreach (var (topic, partitions) in topics)
                {
                    if (!seen.TryGetValue(topic, out var count) || count < partitions)
                    {
                        missing.Add(topic);
                    }
                }
            }
            catch (KafkaException e)
            {
                missing.Add(e.Error.Reason);
            }
            if (missing.Count == 0)
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"topics not visible in metadata after {timeout.TotalSeconds:0} s: {string.Join(", ", missing.Take(5))}");
            }
            Thread.Sleep(50);
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        Native.rd_kafka_mock_cluster_destroy(cluster);
        Native.rd_kafka_destroy(handle);
    }

    /// <summary>P/Invoke into the librdkafka that Confluent.Kafka ships (on Debian: centos8-librdkafka.so).</summary>
    private static partial class Native
    {
        private const string Lib = "rpo-librdkafka";
        private static readonly object Gate = new();
        private static bool resolverSet;

        public static void EnsureLoaded()
        {
            lock (Gate)
            {
                if (resolverSet)
                {
                    return;
                }
                NativeLibrary.SetDllImportResolver(typeof(EmbeddedKafka).Assembly, (name, _, _) =>
                    name == Lib ? NativeLibrary.Load(LibrdkafkaPath()) : IntPtr.Zero);
                resolverSet = true;
            }
        }

        /// <summary>The same file Confluent.Kafka loads, so there is one librdkafka in the process.</summary>
        private static string LibrdkafkaPath()
        {
            var candidates = new List<string>();
            var baseDir = AppContext.BaseDirectory;
            if (OperatingSystem.IsLinux())
            {
                var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
                var dir = Path.Combine(baseDir, "runtimes", rid, "native");
                var musl = File.Exists("/etc/alpine-release");
                candidates.Add(Path.Combine(dir, musl ? "alpine-librdkafka.so" : "centos8-librdkafka.so"));
                candidates.Add(Path.Combine(dir, "librdkafka.so"));
                candidates.Add(Path.Combine(baseDir, "centos8-librdkafka.so"));
                candidates.Add(Path.Combine(baseDir, "librdkafka.so"));
            }
            else if (OperatingSystem.IsMacOS())
            {
                var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "osx-arm64" : "osx-x64";
                candidates.Add(Path.Combine(baseDir, "runtimes", rid, "native", "librdkafka.dylib"));
            }
            else
            {
                candidates.Add(Path.Combine(baseDir, "runtimes", "win-x64", "native", "librdkafka.dll"));
            }
            return candidates.FirstOrDefault(File.Exists)
                ?? throw new DllNotFoundException($"librdkafka not found next to the application (looked at {string.Join(", ", candidates)})");
        }

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr rd_kafka_conf_new();

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial void rd_kafka_destroy(IntPtr rk);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_mock_partition_delete_records(IntPtr mcluster, string topic, int partition, long beforeOffset);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

        [LibraryImport(Lib)]
        public static partial void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, UIntPtr count, int[] errors);

        [LibraryImport(Lib)]
        public static partial void rd_kafka_mock_start_request_tracking(IntPtr mcluster);

        [LibraryImport(Lib)]
        public static partial void rd_kafka_mock_clear_requests(IntPtr mcluster);

        [LibraryImport(Lib)]
        public static partial IntPtr rd_kafka_mock_get_requests(IntPtr mcluster, out UIntPtr count);

        [LibraryImport(Lib)]
        public static partial short rd_kafka_mock_request_api_key(IntPtr request);

        [LibraryImport(Lib)]
        public static partial void rd_kafka_mock_request_destroy_array(IntPtr requests, UIntPtr count);
    }
}
