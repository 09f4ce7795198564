using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.DevKafka;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

namespace RpoStreams.Bench;

/// <summary>
/// <c>rpo-bench floor</c>: what Streamiz 1.8.2 costs before the gate does anything. A topology with no state
/// and no domain work (source → map → one or two sinks) runs with the gate's Streamiz and client settings
/// (<see cref="GateStreamConfig.Create"/>: exactly-once, two threads on two cores, commit every 100 ms) and sinks in a child
/// process, on the same embedded broker, with the same backlog as the gate's drain. One record in and two out
/// is what a decision costs in Kafka records: the intent read, the decision and the subject state's changelog
/// record written. CPU is the child process's, as the gate's figure is.
/// </summary>
internal static class StreamizFloor
{
    /// <summary>Records per floor run, in <c>rpo-bench floor</c> and after the ceiling: with 100,000 the floor had not warmed up.</summary>
    public const long DefaultRecords = 300_000;

    /// <summary>Each run has topics of its own, so that neither the topology nor the counter reads the other run's records.</summary>
    private static string Input(int outputs) => $"floor{outputs}.in";

    private static IEnumerable<string> Outputs(int outputs) => Enumerable.Range(1, outputs).Select(i => $"floor{outputs}.out{i}");

    public static int Run(long records, int partitions)
    {
        using var kafka = EmbeddedKafka.Start();
        Console.WriteLine($"Streamiz floor: source → map → sinks, no state, the gate's stream settings, {records:N0} records per run on {partitions} partitions (first tenth not timed)");
        foreach (var outputs in new[] { 1, 2 })
        {
            var floor = Measure(kafka, records, partitions, outputs);
            Console.WriteLine($"  1 in, {outputs} out: {floor} (streams process)");
        }
        return 0;
    }

    /// <summary>
    /// One floor run on <paramref name="kafka"/> with topics of its own: <paramref name="records"/> records in, each
    /// mapped to <paramref name="outputs"/> sinks. Also run by <c>rpo-bench</c> after its ceiling, so that both are
    /// measured in the same minute.
    /// </summary>
    public static FloorResult Measure(EmbeddedKafka kafka, long records, int partitions, int outputs)
    {
        kafka.CreateTopics([.. Outputs(outputs).Prepend(Input(outputs)).Select(t => (t, partitions))]);
        var bootstrap = kafka.BootstrapServers;
        var applicationId = $"floor-{outputs}";
        using var child = StartWorker(bootstrap, outputs, applicationId);
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, Partitioner = Partitioner.Murmur2Random }).Build();
        using var counter = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = applicationId + "-counter",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = GateWorker.CompensatedFetchWaitMaxMs,
        }).Build();
        counter.Subscribe(Outputs(outputs).First());
        var value = new byte[150];
        var random = new Random(20261202);
        long produced = 0, counted = 0, timedFrom = 0;
        double cpuFrom = 0;
        Stopwatch? timed = null;
        var deadline = Stopwatch.StartNew();
        while (counted < records)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"the floor topology answered {counted:N0} of {records:N0} records in 3 minutes");
            }
            while (produced < records && produced - counted < 60_000)
            {
                var key = Encoding.ASCII.GetBytes("+39333" + random.Next(10_000_000).ToString("D7", CultureInfo.InvariantCulture));
                producer.Produce(Input(outputs), new Message<byte[], byte[]> { Key = key, Value = value });
                produced++;
            }
            producer.Poll(TimeSpan.Zero);
            if (counter.Consume(5) is not null)
            {
                counted++;
            }
            if (timed is null && counted >= records / 10)
            {
                (timed, timedFrom, cpuFrom) = (Stopwatch.StartNew(), counted, CpuSeconds(child));
            }
        }
        var seconds = timed!.Elapsed.TotalSeconds;
        var cpu = CpuSeconds(child) - cpuFrom;
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
        return new FloorResult((counted - timedFrom) / seconds, cpu * 1e6 / (counted - timedFrom), cpu / seconds);
    }

    private static Process StartWorker(string bootstrap, int outputs, string applicationId)
    {
        var process = ChildProcessGate.StartSelf(["floor-worker", "--bootstrap", bootstrap, "--outputs", outputs.ToString(CultureInfo.InvariantCulture), "--application-id", applicationId], serverGc: true);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static double CpuSeconds(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary><c>rpo-bench floor-worker</c>: the topology, until the bench kills it.</summary>
    public static int Worker(string bootstrap, int outputs, string applicationId)
    {
        var settings = new GateConfiguration
        {
            Streams = new StreamsSettings { ApplicationId = applicationId, StateDir = Path.Combine(Path.GetTempPath(), $"rpo-floor-{Environment.ProcessId}") },
        };
        var config = GateStreamConfig.Create(settings, bootstrap, exactlyOnce: true, NullLoggerFactory.Instance);
        config.FetchWaitMaxMs = GateWorker.CompensatedFetchWaitMaxMs;
        var bytes = new ByteArraySerDes();
        var builder = new StreamBuilder();
        var mapped = builder.Stream(Input(outputs), bytes, bytes).MapValues((_, v, _) => v);
        // Sinks as the gate's (GateTopology): a fixed topic and no stream partitioner, so the producer partitions by
        // key. A sink named by its topic alone gets Streamiz's default partitioner, which asks for the topic's partition
        // count through an admin-config conversion for every record: a quarter of this process's CPU.
        foreach (var topic in Outputs(outputs))
        {
            mapped.To(new FixedTopic<byte[], byte[]>(topic), null, bytes, bytes, $"{topic}-sink");
        }
        using var stream = new KafkaStream(builder.Build(), config);
        stream.StartAsync().GetAwaiter().GetResult();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }
}

/// <summary>One floor run: records per second, CPU per record and cores of the Streamiz process.</summary>
internal sealed record FloorResult(double PerSecond, double Micros, double Cores)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PerSecond:N0} records/s, {Micros:0} µs of CPU per record, {Cores:0.00} cores");
}
