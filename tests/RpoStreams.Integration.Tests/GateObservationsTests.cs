using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.DevKafka;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Testing;
using Streamiz.Kafka.Net.Errors;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// What the gate's gauges show while its partitions move: lag is measured in a rebalance too (that is when it grows) and
/// is absent when it cannot be measured, never a stale figure; the register's age is the latest consultation read
/// before the rebalance, so the "no consultation" alert does not fire on every scale event (operations.md).
/// </summary>
public sealed class GateObservationsTests
{
    [Fact]
    public async Task Lag_is_measured_while_the_gate_rebalances_and_is_absent_once_the_broker_cannot_be_asked()
    {
        var cancel = TestContext.Current.CancellationToken;
        const string applicationId = "observed";
        var kafka = EmbeddedKafka.Start();
        try
        {
            kafka.CreateTopics(ConsumerLag.TopicsOf(applicationId).Select(topic => (topic, 1)));
            using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
            {
                for (var i = 0; i < 3; i++)
                {
                    producer.Produce(new TopicPartition(TopicNames.Intents, 0), new Message<Null, string> { Value = "unread" });
                }
                producer.Flush(TimeSpan.FromSeconds(10));
            }
            var runtime = new GateRuntime { BootstrapServers = kafka.BootstrapServers };
            runtime.SetState("REBALANCING");
            var config = new GateConfiguration();
            config.Streams.ApplicationId = applicationId;
            using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            using var observations = new GateObservations(
                runtime, config, KafkaClientFactory.Unconfigured, NullLogger<GateObservations>.Instance, services.GetRequiredService<IMeterFactory>(), TimeSpan.FromMilliseconds(200));
            var lag = new ConcurrentDictionary<string, long>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "rpo_consumer_lag")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
                lag[$"{tags.ToArray().Single(t => t.Key == "topic").Value}[{tags.ToArray().Single(t => t.Key == "partition").Value}]"] = value);
            listener.Start();
            IReadOnlyDictionary<string, long> Observed()
            {
                lag.Clear();
                listener.RecordObservableInstruments();
                return new Dictionary<string, long>(lag);
            }

            await observations.StartAsync(cancel);
            using (var tick = Signal.Every(TimeSpan.FromMilliseconds(100)))
            {
                await Wait.UntilAsync(() => Observed().ContainsKey($"{TopicNames.Intents}[0]"), tick, TimeSpan.FromSeconds(30), "lag measured while rebalancing", cancel);
                Assert.Equal(3, Observed()[$"{TopicNames.Intents}[0]"]);
                Assert.Equal(ConsumerLag.TopicsOf(applicationId).Count, Observed().Count);

                kafka.Dispose();
                kafka = null;
                await Wait.UntilAsync(() => Observed().Count == 0, tick, TimeSpan.FromSeconds(60), "no lag exported once the broker is gone", cancel);
            }
            await observations.StopAsync(cancel);
        }
        finally
        {
            kafka?.Dispose();
        }
    }

    [Fact]
    public void The_register_age_outlives_a_rebalance_and_a_store_that_cannot_be_asked()
    {
        var consulted = Instant.FromUtc(2026, 12, 1, 8, 0);
        var runtime = new GateRuntime();
        runtime.SetState("RUNNING");
        Assert.Null(runtime.LatestConsultation());

        Assert.Equal(consulted, runtime.ReadConsultation(() => consulted));
        runtime.SetState("REBALANCING");
        Assert.Equal(consulted, runtime.LatestConsultation());
        runtime.SetState("RUNNING");
        Assert.Equal(consulted, runtime.ReadConsultation(() => throw new InvalidStateStoreException("its tasks are moving")));

        // What the store says once it can be asked again wins, a newer consultation as much as none at all.
        var newer = consulted + Duration.FromDays(1);
        Assert.Equal(newer, runtime.ReadConsultation(() => newer));
        Assert.Null(runtime.ReadConsultation(() => null));
        Assert.Null(runtime.LatestConsultation());
    }
}
