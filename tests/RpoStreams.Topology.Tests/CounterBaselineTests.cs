using System.Diagnostics.Metrics;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Topology;
using Xunit;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// Every counter the gate's meter has is exported at 0 from the start (HostileInputTests checks /metrics against
/// <see cref="CounterBaseline.LabelSets"/>); this checks that the list leaves none of them out.
/// </summary>
public class CounterBaselineTests
{
    [Fact]
    public void Every_counter_of_the_gate_has_its_label_sets_listed()
    {
        using var metrics = new GateMetrics();
        var counters = new List<string>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter == metrics.Meter && instrument is Counter<long>)
                {
                    counters.Add(instrument.Name);
                }
            };
            listener.Start();
        }

        Assert.NotEmpty(counters);
        Assert.All(counters, name => Assert.True(CounterBaseline.LabelSets.ContainsKey(name), $"{name} has no label sets in CounterBaseline"));
        Assert.All(CounterBaseline.LabelSets, entry => Assert.NotEmpty(entry.Value));
    }
}
