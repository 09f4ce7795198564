using System.CommandLine;
using Confluent.Kafka;
using RpoStreams.Gate.Hosting;

namespace RpoStreams.Cli;

/// <summary><c>rpo lag</c>: the gate group's consumer lag, the figure the gate exports as rpo_consumer_lag.</summary>
internal static class LagCommand
{
    public static Command Create()
    {
        var kafka = new KafkaOptions();
        var applicationId = new Option<string>("--application-id") { Description = "The gate's Streams:ApplicationId (its consumer group)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Streams__ApplicationId") ?? "rpo-gate" };
        var command = new Command("lag", "Print the gate group's lag per partition of the input and repartition topics: end offset minus committed offset; exit 1 unless every partition is at 0") { applicationId };
        command.Options.Add(kafka.Bootstrap);
        command.SetAction(async (parse, cancel) =>
        {
            var bootstrap = kafka.BootstrapOf(parse, "lag");
            if (bootstrap is null)
            {
                return 2;
            }
            using var clients = KafkaOptions.Connect(bootstrap, "lag");
            if (clients is null)
            {
                return 2;
            }
            using var admin = clients.CreateAdmin(new AdminClientConfig { BootstrapServers = bootstrap, ClientId = "rpo-lag" });
            var lag = await ConsumerLag.MeasureAsync(admin, parse.GetValue(applicationId)!, TimeSpan.FromSeconds(10));
            foreach (var p in lag)
            {
                Console.WriteLine($"{p.Topic} {p.Partition} end {p.End} committed {(p.Committed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-")} lag {p.Lag}");
            }
            var total = lag.Sum(p => p.Lag);
            Console.WriteLine($"partitions: {lag.Count} lag: {total}");
            return total == 0 ? 0 : 1;
        });
        return command;
    }
}
