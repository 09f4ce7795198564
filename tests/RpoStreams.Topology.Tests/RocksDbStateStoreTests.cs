using System.Globalization;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Xunit;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// The subject store keeps writes in memory until a commit (or <see cref="RocksDbStateStore.MaxPending"/>
/// of them) and then writes them to RocksDB in one batch. Reads, deletes and ranges must see every write
/// whether it is still waiting or already in RocksDB. (That a clean close leaves them on disk, the restart
/// tests check: this driver deletes its state when it stops.) Each input record is a script of operations
/// run against the store; the output is what they read.
/// </summary>
public sealed class RocksDbStateStoreTests : IDisposable
{
    private const string StoreName = "store-under-test";
    private readonly string stateDir = Path.Combine(Path.GetTempPath(), "rpo-store-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_write_is_read_back_before_and_after_it_reaches_RocksDB()
    {
        using var run = new Run(stateDir);
        Assert.Equal("b=2 a=1", run.Do("put a 1; put b 2; get b; get a"));
        Assert.Equal("a=1 c=null", run.Do("get a; get c"));
        Assert.Equal("a=3 deleted=3 a=null", run.Do("put a 3; get a; delete a; get a"));
        Assert.Equal("a=null b=2", run.Do("get a; get b"));
    }

    [Fact]
    public void Ranges_and_all_see_waiting_writes_and_deletes_in_key_order()
    {
        using var run = new Run(stateDir);
        run.Do("put k3 3; put k1 1; put k2 2");
        Assert.Equal("k1=1,k2=2,k3=3", run.Do("all"));
        Assert.Equal("deleted=2 k1=1,k3=30,k4=4", run.Do("put k4 4; put k3 30; delete k2; all"));
        Assert.Equal("k3=30,k4=4", run.Do("range k2 k4"));
    }

    [Fact]
    public void More_writes_than_wait_in_memory_are_all_kept()
    {
        using var run = new Run(stateDir);
        var count = RocksDbStateStore.MaxPending * 2 + 17;
        Assert.Equal("written", run.Do($"fill {count}"));
        Assert.Equal($"k{count - 1}={count - 1} k0=0", run.Do($"get k{count - 1}; get k0"));
        Assert.Equal(count.ToString(CultureInfo.InvariantCulture), run.Do("count"));
    }

    [Fact]
    public void A_reader_on_another_thread_finds_every_write_while_batches_go_to_RocksDB()
    {
        // The check API reads from its own threads. Here one reads keys already written, at random, while the stream
        // thread writes three batches' worth: a key must be found waiting, in the batch being written, or in RocksDB.
        using var run = new Run(stateDir);
        var count = RocksDbStateStore.MaxPending * 3;
        Assert.Equal("missing=0", run.Do($"fill-watched {count}"));
        Assert.Equal(count.ToString(CultureInfo.InvariantCulture), run.Do("count"));
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private sealed class Run : IDisposable
    {
        private readonly TopologyTestDriver driver;
        private readonly TestInputTopic<string, string> input;
        private readonly TestOutputTopic<string, string> output;

        public Run(string stateDir)
        {
            var builder = new StreamBuilder();
            builder.AddStateStore(Stores.KeyValueStoreBuilder(new RocksDbStateStoreSupplier(StoreName, null, logged: false), new StringSerDes(), new StringSerDes()).WithLoggingDisabled());
            builder.Stream<string, string>("script")
                .Transform(TransformerBuilder.New<string, string, string, string>().Transformer<ScriptRunner>().Build(), "run", StoreName)
                .To("read");
            var config = new StreamConfig<StringSerDes, StringSerDes>
            {
                ApplicationId = "rpo-store-test",
                StateDir = stateDir,
                Logger = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            };
            driver = new TopologyTestDriver(builder.Build(), config);
            input = driver.CreateInputTopic<string, string>("script");
            output = driver.CreateOutputTopic<string, string>("read");
        }

        public string Do(string script)
        {
            input.PipeInput("s", script);
            return output.ReadKeyValue().Message.Value;
        }

        public void Dispose() => driver.Dispose();
    }

    private sealed class ScriptRunner : ITransformer<string, string, string, string>
    {
        private IKeyValueStore<string, string> store = null!;

        public void Init(ProcessorContext<string, string> context) => store = (IKeyValueStore<string, string>)context.GetStateStore(StoreName);

        public Record<string, string> Process(Record<string, string> record)
        {
            var read = new List<string>();
            foreach (var step in record.Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var words = step.Split(' ');
                switch (words[0])
                {
                    case "put":
                        store.Put(words[1], words[2]);
                        break;
                    case "get":
                        read.Add($"{words[1]}={store.Get(words[1]) ?? "null"}");
                        break;
                    case "delete":
                        read.Add($"deleted={store.Delete(words[1]) ?? "null"}");
                        break;
                    case "all":
                        read.Add(string.Join(",", store.All().Select(kv => $"{kv.Key}={kv.Value}")));
                        break;
                    case "range":
                        using (var range = store.Range(words[1], words[2]))
                        {
                            var found = new List<string>();
                            while (range.MoveNext())
                            {
                                found.Add($"{range.Current!.Value.Key}={range.Current.Value.Value}");
                            }
                            read.Add(string.Join(",", found));
                        }
                        break;
                    case "fill":
                        for (var i = 0; i < int.Parse(words[1], CultureInfo.InvariantCulture); i++)
                        {
                            store.Put($"k{i}", i.ToString(CultureInfo.InvariantCulture));
                        }
                        read.Add("written");
                        break;
                    case "fill-watched":
                        read.Add($"missing={FillWatched(int.Parse(words[1], CultureInfo.InvariantCulture))}");
                        break;
                    case "count":
                        read.Add(store.All().Count().ToString(CultureInfo.InvariantCulture));
                        break;
                    default:
                        throw new InvalidOperationException(step);
                }
            }
            return Record<string, string>.Create(record.Key, string.Join(" ", read));
        }

        public void Close()
        {
        }

        /// <summary>Writes k0..k(n-1) while another thread reads written keys at random; returns the reads that found nothing.</summary>
        private int FillWatched(int n)
        {
            var written = 0;
            var missing = 0;
            var reads = 0;
            var done = false;
            var reader = new Thread(() =>
            {
                var random = new Random(12);
                while (!Volatile.Read(ref done) || Volatile.Read(ref reads) < 1000)
                {
                    var upTo = Volatile.Read(ref written);
                    if (upTo == 0)
                    {
                        continue;
                    }
                    var i = random.Next(upTo);
                    if (store.Get($"k{i}") is null)
                    {
                        missing++;
                    }
                    Interlocked.Increment(ref reads);
                }
            });
            reader.Start();
            for (var i = 0; i < n; i++)
            {
                store.Put($"k{i}", i.ToString(CultureInfo.InvariantCulture));
                Volatile.Write(ref written, i + 1);
                // Every 500 writes (so also while a batch of MaxPending is written), wait until the reader has read again.
                if (i % 500 == 0)
                {
                    var before = Volatile.Read(ref reads);
                    if (!SpinWait.SpinUntil(() => Volatile.Read(ref reads) > before, TimeSpan.FromSeconds(10)))
                    {
                        throw new TimeoutException("the reader thread stopped reading");
                    }
                }
            }
            Volatile.Write(ref done, true);
            reader.Join();
            return missing;
        }
    }
}
