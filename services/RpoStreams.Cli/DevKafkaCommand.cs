using System.CommandLine;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka;
using RpoStreams.DevKafka.Registry;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Cli;

/// <summary>
/// <c>rpo devkafka</c>: the embedded broker as its own process, with every topic of the gate created, and
/// a Schema Registry endpoint over the schemas the gate uses (same ids), so clients in any language can
/// produce and read the topics. Prints <c>bootstrap: HOST:PORT</c>, then <c>schema-registry: URL</c>.
/// </summary>
internal static class DevKafkaCommand
{
    public static Command Create()
    {
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the subject topics", DefaultValueFactory = _ => 4 };
        var applicationId = new Option<string>("--application-id") { Description = "Application id whose internal topics to create", DefaultValueFactory = _ => "rpo-gate" };
        var registryPort = new Option<int>("--schema-registry-port") { Description = "Loopback port of the Schema Registry endpoint (0: any free port)", DefaultValueFactory = _ => 0 };
        var command = new Command("devkafka", "Run librdkafka's mock cluster as a Kafka broker on a loopback port, with a Schema Registry endpoint, until stopped")
        {
            partitions, applicationId, registryPort,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var n = parse.GetValue(partitions);
            if (n is < 1 or > 1024)
            {
                Console.Error.WriteLine("rpo devkafka: --partitions must be from 1 to 1024 (as Kafka:Partitions)");
                return 2;
            }
            var port = parse.GetValue(registryPort);
            if (port is < 0 or > 65535)
            {
                Console.Error.WriteLine("rpo devkafka: --schema-registry-port must be between 0 and 65535");
                return 2;
            }
            using var kafka = EmbeddedKafka.Start();
            kafka.CreateTopics(GateTopology.AllTopics(parse.GetValue(applicationId)!, n));
            await using var registry = await SchemaRegistryEndpoint.StartAsync(new LocalSchemaRegistry(), port, cancel: cancel);
            Console.WriteLine($"bootstrap: {kafka.BootstrapServers}");
            Console.WriteLine($"schema-registry: {registry.Url}");
            Console.WriteLine(
                "development only: librdkafka's mock cluster and a Schema Registry endpoint (Confluent REST API subset, ids as the gate derives them "
                + "from schemas/, FULL_TRANSITIVE), in memory, without authentication");
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
