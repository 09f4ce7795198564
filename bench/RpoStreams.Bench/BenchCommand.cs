using System.CommandLine;

namespace RpoStreams.Bench;

/// <summary><c>rpo-bench</c>: throughput, latency, memory and restore time of the gate on the embedded broker, beside a Confluent.Kafka ceiling.</summary>
internal static class BenchCommand
{
    /// <summary>Keeps the C library's malloc in every process of the run (Program.cs starts the benchmark again with tcmalloc otherwise).</summary>
    public static readonly Option<bool> GlibcMalloc = new("--glibc-malloc")
    {
        Description = "Native memory through the C library's malloc even when tcmalloc (the image's allocator, Debian's libtcmalloc-minimal4) is installed",
        Recursive = true,
    };

    /// <summary>Set to <c>glibc</c> by <see cref="GlibcMalloc"/>, for the processes the run starts.</summary>
    public const string MallocVariable = "RPO_BENCH_MALLOC";

    public static RootCommand Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A short run under a minute on 2 cores: up to 100,000 subjects and 100,000 intents, every phase time-boxed, a 1 s latency window" };
        var register = new Option<long?>("--register") { Description = "Subjects in the register (default 1,000,000; quick 100,000)" };
        var intents = new Option<long?>("--intents") { Description = "Intents in the timed drain (default 1,000,000; quick 100,000)" };
        var warmup = new Option<long?>("--warmup") { Description = "Decisions before the drain is timed, excluded from every figure (default 50,000; quick 5,000)" };
        var rate = new Option<double>("--rate") { Description = "Offered intents per second in the latency run", DefaultValueFactory = _ => 10_000 };
        var window = new Option<double?>("--latency-seconds") { Description = "Length of the latency run in seconds (default 10; quick 1)" };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of every topic, as Kafka:Partitions", DefaultValueFactory = _ => 4 };
        var inProcess = new Option<bool>("--in-process") { Description = "Run the gate inside the bench process instead of a child process (its RSS then includes the broker)" };
        var workstationGc = new Option<bool>("--workstation-gc") { Description = "Workstation GC in the gate process instead of the service's Server GC" };
        var duringDrain = new Option<string?>("--during-drain") { Description = "Command to run while the gate drains, {pid} = the gate's process id, stopped with SIGINT (e.g. \"dotnet-trace collect -p {pid} -o drain.nettrace\")" };
        var hookDelay = new Option<double>("--hook-delay") { Description = "Seconds between starting --during-drain (once the gate is draining) and the timed drain, to let it attach", DefaultValueFactory = _ => 1 };
        var restoreTimeout = new Option<double?>("--restore-timeout") { Description = "Seconds to watch the restore (default 180; quick 8)" };
        var registerBox = new Option<double?>("--register-box") { Description = "Seconds after which no more of the register is produced (default 240; quick 8)" };
        var drainBox = new Option<double?>("--drain-box") { Description = "Seconds the drain is timed at most (default 240; quick 6)" };
        var lowRate = new Option<double?>("--low-rate") { Description = "Also measure latency at this lower offered rate for 10 s, before --rate (default 1,000; quick: none; 0: none)" };
        var backlog = new Option<long>("--backlog") { Description = "Most intents fed but not yet decided (the embedded broker keeps only the newest 5 MB of each partition)", DefaultValueFactory = _ => 60_000 };
        var asConfigured = new Option<bool>("--as-configured") { Description = "Without the embedded-broker compensation: the gate's Kafka clients exactly as configured (not fetch.wait.max.ms 10), and the latency runs delete nothing they have read" };
        var latencyDump = new Option<string?>("--latency-dump") { Description = "Write each intent of the latency run at --rate to this file: milliseconds after the first was sent, and its end-to-end latency in ms (NaN: unanswered), after a header line with the first send on the monotonic clock" };
        var noFloor = new Option<bool>("--no-floor") { Description = "Skip the Streamiz floor (one record in, two out, no state) measured after the ceiling" };
        var developmentBroker = new Option<bool>("--development-broker") { Description = "Run the gate as the service runs on the development broker (at-least-once, checking calls.decisions.v1) instead of as on Kafka (exactly-once, the default)" };
        var command = new RootCommand("rpo-bench: measure the gate on the embedded broker: decisions/s, latency at a fixed rate, memory and RocksDB size per million subjects, restore time, and a Confluent.Kafka ceiling")
        {
            quick, register, intents, warmup, rate, window, partitions, inProcess, workstationGc, duringDrain, hookDelay, restoreTimeout, registerBox, drainBox, lowRate, backlog, asConfigured, developmentBroker, noFloor, latencyDump, GlibcMalloc,
        };
        command.Subcommands.Add(WorkerCommand());
        command.Subcommands.Add(FloorCommand());
        command.Subcommands.Add(FloorWorkerCommand());
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            var plan = new BenchPlan
            {
                Quick = isQuick,
                Register = parse.GetValue(register) ?? (isQuick ? 100_000 : 1_000_000),
                Intents = parse.GetValue(intents) ?? (isQuick ? 100_000 : 1_000_000),
                Warmup = parse.GetValue(warmup) ?? (isQuick ? 5_000 : 50_000),
                Rate = parse.GetValue(rate),
                LatencySeconds = parse.GetValue(window) ?? (isQuick ? 1 : 10),
                LatencyAnswerWait = TimeSpan.FromSeconds(isQuick ? 2 : 60),
                WarmupBox = TimeSpan.FromSeconds(isQuick ? 12 : 120),
                RegisterBox = TimeSpan.FromSeconds(parse.GetValue(registerBox) ?? (isQuick ? 8 : 240)),
                RegisterChunk = isQuick ? 10_000 : 50_000,
                DrainBox = TimeSpan.FromSeconds(parse.GetValue(drainBox) ?? (isQuick ? 6 : 240)),
                Partitions = parse.GetValue(partitions),
                InProcess = parse.GetValue(inProcess),
                ServerGc = !parse.GetValue(workstationGc),
                DuringDrain = parse.GetValue(duringDrain),
                HookDelaySeconds = parse.GetValue(hookDelay),
                RestoreTimeout = TimeSpan.FromSeconds(parse.GetValue(restoreTimeout) ?? (isQuick ? 8 : 180)),
                LowRate = parse.GetValue(lowRate) ?? (isQuick ? 0 : 1_000),
                Backlog = parse.GetValue(backlog),
                MockCompensation = !parse.GetValue(asConfigured),
                DevelopmentBroker = parse.GetValue(developmentBroker),
                FloorRecords = parse.GetValue(noFloor) ? 0 : StreamizFloor.DefaultRecords,
                LatencyDump = parse.GetValue(latencyDump),
            };
            if (plan.Register < 1 || plan.Intents < 1 || plan.Warmup < 1 || plan.Rate <= 0 || plan.LatencySeconds <= 0 || plan.Partitions < 1 || plan.Backlog < 1000 || plan.LowRate < 0)
            {
                return Fail("rpo-bench: --register, --intents, --warmup, --rate, --latency-seconds, --partitions must be positive, --backlog at least 1000");
            }
            var result = new BenchRun(plan).Run();
            Console.WriteLine(BenchReport.Table(result));
            Console.WriteLine(BenchReport.Summary(result));
            return 0;
        });
        return command;
    }

    /// <summary><c>rpo-bench floor</c>: what Streamiz costs with no state and no domain work (<see cref="StreamizFloor"/>).</summary>
    private static Command FloorCommand()
    {
        var records = new Option<long>("--records") { Description = "Records per run", DefaultValueFactory = _ => StreamizFloor.DefaultRecords };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of every topic, as Kafka:Partitions", DefaultValueFactory = _ => 4 };
        var command = new Command("floor", "Streamiz's own cost per record: source → map → one, then two sinks, no state, with the gate's stream settings, in a child process on the embedded broker")
        {
            records, partitions,
        };
        command.SetAction(parse => parse.GetValue(records) < 1_000 || parse.GetValue(partitions) < 1
            ? Fail("rpo-bench floor: --records must be at least 1000, --partitions positive")
            : StreamizFloor.Run(parse.GetValue(records), parse.GetValue(partitions)));
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static Command FloorWorkerCommand()
    {
        var bootstrap = new Option<string>("--bootstrap") { Required = true };
        var outputs = new Option<int>("--outputs") { Required = true };
        var applicationId = new Option<string>("--application-id") { Required = true };
        var command = new Command("floor-worker", "The floor topology, driven by rpo-bench floor (internal)") { bootstrap, outputs, applicationId };
        command.Hidden = true;
        command.SetAction(parse => StreamizFloor.Worker(parse.GetValue(bootstrap)!, parse.GetValue(outputs), parse.GetValue(applicationId)!));
        return command;
    }

    /// <summary><c>rpo-bench gate-worker</c>: the gate in its own process, driven by the bench over stdin/stdout.</summary>
    private static Command WorkerCommand()
    {
        var bootstrap = new Option<string>("--bootstrap") { Required = true };
        var applicationId = new Option<string>("--application-id") { Required = true };
        var partitions = new Option<int>("--partitions") { Required = true };
        var stateDir = new Option<string>("--state-dir") { Required = true };
        var compensation = new Option<bool>("--mock-compensation") { DefaultValueFactory = _ => true };
        var developmentBroker = new Option<bool>("--development-broker");
        var command = new Command("gate-worker", "The gate under measurement, driven by rpo-bench (internal)")
        {
            bootstrap, applicationId, partitions, stateDir, compensation, developmentBroker,
        };
        command.Hidden = true;
        command.SetAction(parse => GateWorkerLoop.Run(parse.GetValue(bootstrap)!, parse.GetValue(applicationId)!, parse.GetValue(partitions), parse.GetValue(stateDir)!, parse.GetValue(compensation), parse.GetValue(developmentBroker)));
        return command;
    }
}
