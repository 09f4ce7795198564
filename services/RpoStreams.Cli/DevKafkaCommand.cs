using System.CommandLine;
using RpoStreams.DevKafka;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Cli;

/// <summary><c>rpo devkafka</c>: the embedded broker as its own process, with every topic of the gate created.</summary>
internal static class DevKafkaCommand
{
    public static Command Create()
    {
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the subject topics", DefaultValueFactory = _ => 4 };
        var applicationId = new Option<string>("--application-id") { Description = "Application id whose internal topics to create", DefaultValueFactory = _ => "rpo-gate" };
        var command = new Command("devkafka", "Run librdkafka's mock cluster as a Kafka broker on a loopback port until stopped") { partitions, applicationId };
        command.SetAction(async (parse, cancel) =>
        {
            var n = parse.GetValue(partitions);
            if (n < 1)
            {
                Console.Error.WriteLine("rpo devkafka: --partitions must be at least 1");
                return 2;
            }
            using var kafka = EmbeddedKafka.Start();
            kafka.CreateTopics(GateTopology.AllTopics(parse.GetValue(applicationId)!, n));
            Console.WriteLine($"bootstrap: {kafka.BootstrapServers}");
            Console.Out.Flush();
            var stopped = new TaskCompletionSource();
            using var registration = cancel.Register(() => stopped.TrySetResult());
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                stopped.TrySetResult();
            });
            await stopped.Task;
            return 0;
        });
        return command;
    }
}
