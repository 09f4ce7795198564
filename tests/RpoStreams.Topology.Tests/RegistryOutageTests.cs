using System.Reflection;
using Confluent.SchemaRegistry;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

/// <summary>A schema registry that cannot be asked is not the record's fault: the task stops, and nothing is dead-lettered.</summary>
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

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    /// <summary>The local registry, but GetSchemaAsync fails as an unreachable server's does while <see cref="Down"/>.</summary>
    public class OutageRegistry : DispatchProxy
    {
        private readonly LocalSchemaRegistry inner = new();

        public bool Down { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (Down && targetMethod!.Name == nameof(ISchemaRegistryClient.GetSchemaAsync))
            {
                throw new HttpRequestException("Connection refused (127.0.0.1:8081)");
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
