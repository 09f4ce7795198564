using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Testing;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// The gate on its embedded broker (no Kafka configured, as <c>dotnet run</c> starts it) serves the Schema
/// Registry endpoint: its URL in the start-up log and in the dashboard's data, and a schema a client registers
/// there is one the gate reads (the endpoint sits on the registry the gate's serdes use).
/// </summary>
public sealed partial class EmbeddedGateRegistryTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string folder = Directory.CreateTempSubdirectory("rpo-embedded-registry-").FullName;
    private ChildProcess? gate;

    [Fact]
    public async Task The_embedded_gate_serves_the_registry_and_decides_an_intent_written_with_a_schema_registered_there()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = LocalPorts.Next();
        gate = ChildProcess.Start("embedded-gate", folder, AppContext.BaseDirectory, Dotnet.Host,
            [Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll"), "--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = null,
                ["ASPNETCORE_URLS"] = null,
                ["Kafka__BootstrapServers"] = string.Empty,
                ["SchemaRegistry__Url"] = string.Empty,
                ["Demo__Enabled"] = "false",
                ["Streams__StateDir"] = Path.Combine(folder, "state"),
                ["Logging__Format"] = "text",
            });
        Match? broker = null;
        Match? registryLine = null;
        await Wait.UntilAsync(
            () =>
            {
                var log = gate.ReadStdout();
                return (broker = BrokerLine().Match(log)).Success && (registryLine = RegistryLine().Match(log)).Success && log.Contains("Gate stream state RUNNING", StringComparison.Ordinal);
            },
            gate.Output, TimeSpan.FromSeconds(120), "the embedded gate logging its broker and registry and RUNNING", cancel,
            state: () => "\n" + gate.Tail(), abort: () => gate.Exited);
        var bootstrap = broker!.Groups[1].Value;
        var registryUrl = registryLine!.Groups[1].Value;

        // The endpoint answers, and the dashboard's data names it (the header shows it).
        Assert.Contains(TopicNames.Intents + "-value", await Http.GetStringAsync(registryUrl + "/subjects", cancel), StringComparison.Ordinal);
        string? shown = null;
        using (var tick = Signal.Every(TimeSpan.FromMilliseconds(250)))
        {
            await Wait.UntilAsync(
                async () =>
                {
                    var snapshot = await Http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/api/dashboard/snapshot", cancel);
                    shown = snapshot.GetProperty("instance").TryGetProperty("schemaRegistryUrl", out var url) ? url.GetString() : null;
                    return shown is not null;
                },
                tick, TimeSpan.FromSeconds(30), "the dashboard snapshot naming the registry", cancel);
        }
        Assert.Equal(registryUrl, shown);

        // A dialer on CallIntent v2 registers it at the embedded endpoint with Confluent's serializer; the gate decides it.
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registryUrl });
        var v2 = (Avro.RecordSchema)Avro.Schema.Parse(TestSchemas.CallIntentV2);
        var intent = new GenericRecord(v2);
        intent.Add("intentId", "embedded-v2");
        intent.Add("companyId", "ACME");
        intent.Add("callCenterId", "CC-1");
        intent.Add("campaignId", null);
        intent.Add("channel", new GenericEnum((Avro.EnumSchema)v2["channel"].Schema, "PHONE"));
        intent.Add("subject", "+393331234567");
        intent.Add("callerId", "+390212345678");
        intent.Add("purpose", new GenericEnum((Avro.EnumSchema)v2["purpose"].Schema, "SERVICE"));
        intent.Add("scheduledAt", DateTime.UtcNow);
        intent.Add("dialerRef", "D-1");
        using var watch = DecisionWatch.Start(bootstrap, keepDecisions: true);
        using (var producer = new ProducerBuilder<string, GenericRecord>(new ProducerConfig { BootstrapServers = bootstrap })
            .SetValueSerializer(new AvroSerializer<GenericRecord>(client, new AvroSerializerConfig { AutoRegisterSchemas = true }))
            .Build())
        {
            await producer.ProduceAsync(TopicNames.Intents, new Message<string, GenericRecord> { Key = "+393331234567", Value = intent }, cancel);
        }
        await Wait.UntilAsync(() => watch.CountOf("embedded-v2") > 0, watch.Changed, TimeSpan.FromSeconds(60), "the decision of the v2 intent", cancel,
            state: () => $"last watch error {watch.LastError}\n{gate.Tail()}");

        var decision = Assert.Single(watch.DecisionsOf("embedded-v2"));
        Assert.Equal((Outcome.ALLOWED, Basis.NOT_PROMOTIONAL), (decision.outcome, decision.basis));
        Assert.Equal([1, 2], await client.GetSubjectVersionsAsync(TopicNames.Intents + "-value"));

        // Its state is this run's alone, gone with the run: the embedded broker's topics are (EmbeddedState).
        var state = Path.Combine(folder, "state");
        var run = Assert.Single(Directory.GetDirectories(state, "embedded-*"));
        Assert.True(Directory.Exists(Path.Combine(run, "rpo-gate")), $"the stores are not in {run}");
        Assert.True(await gate.TerminateAsync(TimeSpan.FromSeconds(60)), "the gate did not stop on SIGTERM");
        Assert.Empty(Directory.GetDirectories(state, "embedded-*"));
    }

    [GeneratedRegex(@"embedded broker \(librdkafka mock cluster, development only\) at (\S+) with")]
    private static partial Regex BrokerLine();

    [GeneratedRegex(@"Schema Registry endpoint of the embedded broker \(development only[^)]*\) at (http://127\.0\.0\.1:\d+)")]
    private static partial Regex RegistryLine();


    public void Dispose()
    {
        gate?.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
