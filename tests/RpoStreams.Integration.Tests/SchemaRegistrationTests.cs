using System.Diagnostics;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka.Registry;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Topology;
using RpoStreams.Records.Internal;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A registry that does not take registrations from the gate (<c>SchemaRegistry:AutoRegisterSchemas</c> false):
/// <c>rpo schemas</c> says which of the gate's subjects it lacks and registers them, and the gate refuses to start
/// until they are there. The registry is the development endpoint (Confluent's REST API, which holds the public
/// topics' subjects from the start); the clients are Confluent's.
/// </summary>
public sealed class SchemaRegistrationTests
{
    private const string ApplicationId = "schemas-app";

    /// <summary>The internal subjects the development registry does not hold from the start.</summary>
    private const int Internal = 8;

    [Fact]
    public async Task Rpo_schemas_names_the_missing_subjects_registers_them_and_a_serde_that_does_not_register_then_writes()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var registry = await SchemaRegistryEndpoint.StartAsync(new LocalSchemaRegistry(), cancel: cancel);
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        var changelog = new SerializationContext(MessageComponentType.Value, InternalTopics.Changelog(ApplicationId, StoreNames.Subjects));
        var state = new AvroSerDes<SubjectState>(client, autoRegisterSchemas: false);
        Assert.Equal(40401, Assert.Throws<SchemaRegistryException>(() => state.Serialize(new SubjectState(), changelog)).ErrorCode);

        var check = await RpoAsync(registry.Url);
        var register = await RpoAsync(registry.Url, "--register");
        var again = await RpoAsync(registry.Url);

        Assert.Equal(1, check.ExitCode);
        Assert.Equal(Internal, check.Lines.Count(l => l.Contains(" missing (no such subject)", StringComparison.Ordinal)));
        Assert.Contains($"{changelog.Topic}-value missing (no such subject)", check.Lines);
        Assert.Equal($"subjects: 16 registered: {16 - Internal} registered now: 0 not registered: {Internal}", check.Lines[^1]);
        // The producers' subjects too: a dialer looks its schema up and registers none.
        Assert.Contains(check.Lines, l => l.StartsWith("calls.intents.v1-value id ", StringComparison.Ordinal));
        Assert.Contains(check.Lines, l => l.StartsWith("rpo.consents.v1-value id ", StringComparison.Ordinal));
        Assert.Equal(0, register.ExitCode);
        Assert.Equal($"subjects: 16 registered: 16 registered now: {Internal} not registered: 0", register.Lines[^1]);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("subjects: 16 registered: 16 registered now: 0 not registered: 0", again.Lines[^1]);
        var written = state.Serialize(new SubjectState(), changelog);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(written.AsSpan(1, 4));
        Assert.Contains($"{changelog.Topic}-value id {id}", again.Lines);
    }

    /// <summary>A registry no one has registered in yet: dialers register nothing, so <c>rpo schemas --register</c> registers their subjects too.</summary>
    [Fact]
    public async Task Rpo_schemas_registers_the_producers_subjects_in_an_empty_registry()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var registry = await SchemaRegistryEndpoint.StartAsync(new LocalSchemaRegistry(), cancel: cancel, empty: true);

        var check = await RpoAsync(registry.Url);
        var register = await RpoAsync(registry.Url, "--register");

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("calls.intents.v1-value missing (no such subject)", check.Lines);
        Assert.Equal("subjects: 16 registered: 0 registered now: 0 not registered: 16", check.Lines[^1]);
        Assert.Equal(0, register.ExitCode);
        Assert.Equal("subjects: 16 registered: 16 registered now: 16 not registered: 0", register.Lines[^1]);
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        foreach (var (topic, schema) in ContractSchemas.Inputs)
        {
            // What a dialer does before it sends: look its schema's id up, registering nothing.
            var found = await client.LookupSchemaAsync(topic + "-value", new Schema(schema.ToString(), SchemaType.Avro), ignoreDeletedSchemas: true);
            Assert.Contains($"{topic}-value id {found.Id} (registered now)", register.Lines);
        }
    }

    [Fact]
    public async Task Without_auto_registration_the_gate_stops_naming_what_the_registry_lacks_and_starts_once_it_is_registered()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var registry = await SchemaRegistryEndpoint.StartAsync(new LocalSchemaRegistry(), cancel: cancel);
        string[] environment =
        [
            "Kafka__BootstrapServers=127.0.0.1:1",
            "Subjects__HashSecret=schema-registration-tests",
            "Streams__ApplicationId=" + ApplicationId,
            "SchemaRegistry__Url=" + registry.Url,
        ];
        const string Unreachable = "Kafka:BootstrapServers 127.0.0.1:1 is not reachable";

        // With auto-registration (the default) nothing is looked up: the gate goes on to the cluster, which is not there.
        var registering = await FailFastTests.StoppingLineAsync("auto-registration", environment);
        var refused = await FailFastTests.StoppingLineAsync("subjects missing", [.. environment, "SchemaRegistry__AutoRegisterSchemas=false"]);
        using (var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url }))
        {
            Assert.All(await SchemaPreflight.CheckAsync(client, GateSchemas.Written(ApplicationId), register: true), s => Assert.True(s.Ready, s.ToString()));
        }
        var past = await FailFastTests.StoppingLineAsync("subjects registered", [.. environment, "SchemaRegistry__AutoRegisterSchemas=false"]);

        Assert.Contains(Unreachable, registering.Line, StringComparison.Ordinal);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains($"SchemaRegistry:AutoRegisterSchemas is false but the registry at {registry.Url} lacks {Internal} of the 11 subjects the gate writes (", refused.Line, StringComparison.Ordinal);
        Assert.Contains(InternalTopics.Changelog(ApplicationId, StoreNames.Subjects) + "-value", refused.Line, StringComparison.Ordinal);
        Assert.Contains("rpo schemas --register", refused.Line, StringComparison.Ordinal);
        Assert.Contains(Unreachable, past.Line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpo_schemas_says_when_the_registry_cannot_be_asked()
    {
        var closed = $"http://127.0.0.1:{LocalPorts.Next()}";

        var unreachable = await RpoAsync(closed, expectErrors: true);
        var malformed = await RpoAsync("not a url", expectErrors: true);

        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("rpo schemas: the registry did not answer the schema lookups", unreachable.Errors, StringComparison.Ordinal);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("rpo schemas: --schema-registry 'not a url' is not a registry URL", malformed.Errors, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string[] Lines, string Errors)> RpoAsync(string registryUrl, string? extra = null, bool expectErrors = false)
    {
        var info = new ProcessStartInfo(Dotnet.Host);
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "rpo.dll"), "schemas", "--schema-registry", registryUrl, "--application-id", ApplicationId, .. extra is null ? [] : new[] { extra }])
        {
            info.ArgumentList.Add(a);
        }
        var run = await ProcessRun.RunAsync(info, TimeSpan.FromSeconds(60), "rpo schemas", TestContext.Current.CancellationToken);
        Assert.True(expectErrors || string.IsNullOrWhiteSpace(run.Stderr), run.Stderr);
        return (run.ExitCode, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), run.Stderr);
    }
}
