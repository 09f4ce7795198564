using System.Reflection;
using Confluent.SchemaRegistry;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

/// <summary>A schema registry that cannot be asked is not the record's fault: the task stops, and nothing is dead-lettered; a schema it answers that the gate cannot read is the record's.</summary>
public class RegistryOutageTests
{
    private static readonly Instant Tuesday10 = Rome_(2026, 3, 10, 10);

    [Fact]
    public void A_good_intent_read_while_the_registry_is_down_stops_the_task_and_is_no_dead_letter()
    {
        var registry = DispatchProxy.Create<ISchemaRegistryClient, OutageRegistry>();
        var outage = (OutageRegistry)(object)registry;
        using var gate = new GateHarness(registry: registry);
        var intent = Intent("i-1", "+393331234567", Tuesday10);
        var bytes = gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents);

        outage.Down = true;
        var stopped = Record.Exception(() => gate.Raw(TopicNames.Intents, System.Text.Encoding.UTF8.GetBytes(intent.subject), bytes, Tuesday10.ToDateTimeUtc()));

        Assert.NotNull(stopped);
        Assert.Contains(Chain(stopped), e => e is SchemaRegistryUnreachableException);
        Assert.Empty(gate.DeadLetters());
        Assert.Empty(gate.Decisions());
    }

    [Theory]
    [InlineData("PROTOBUF", "syntax = \"proto3\"; message CallIntent { string intent_id = 1; }", "is a Protobuf schema; the gate reads Avro")]
    [InlineData("AVRO", """{"type":"record","name":"CallIntent","fields":[{"name":"lead","type":"com.crm.Lead"}]}""", "is not an Avro schema the gate can read")]
    public void A_record_whose_schema_the_gate_cannot_read_is_a_dead_letter_not_a_registry_outage(string type, string text, string reason)
    {
        // Given the registry answers with a schema that is not one the gate reads (Protobuf; Avro with a reference to another subject)
        var registry = DispatchProxy.Create<ISchemaRegistryClient, OutageRegistry>();
        var outage = (OutageRegistry)(object)registry;
        using var gate = new GateHarness(registry: registry);
        var intent = Intent("i-1", "+393331234567", Tuesday10);
        var bytes = gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents);
        outage.Answer = (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)), new Schema(text, Enum.Parse<SchemaType>(type, ignoreCase: true)));

        gate.Raw(TopicNames.Intents, System.Text.Encoding.UTF8.GetBytes(intent.subject), bytes, Tuesday10.ToDateTimeUtc());

        Assert.Contains(reason, Assert.Single(gate.DeadLetters()).error, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    /// <summary>The local registry, but GetSchemaAsync fails as an unreachable server's does while <see cref="Down"/>, or answers <see cref="Answer"/>.</summary>
    public class OutageRegistry : DispatchProxy
    {
        private readonly LocalSchemaRegistry inner = new();

        public bool Down { get; set; }

        /// <summary>What GetSchemaAsync answers for one id instead of the local registry's schema, when set.</summary>
        public (int Id, Schema Schema)? Answer { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (Down && targetMethod!.Name == nameof(ISchemaRegistryClient.GetSchemaAsync))
            {
                throw new HttpRequestException("Connection refused (127.0.0.1:8081)");
            }
            if (Answer is { } answer && targetMethod!.Name == nameof(ISchemaRegistryClient.GetSchemaAsync) && args is [int id, ..] && id == answer.Id)
            {
                return Task.FromResult(answer.Schema);
            }
            try
            {
                return targetMethod!.Invoke(inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }
}
