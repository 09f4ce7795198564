using RpoStreams.Gate.Hosting.Dashboard;

namespace RpoStreams.Topology.Tests;

/// <summary>Dashboard streams are bounded: past the limit none is opened, and a closed one gives its slot back once.</summary>
public class DashboardStreamSlotsTests
{
    [Fact]
    public void Streams_past_the_limit_are_refused_and_a_closed_one_gives_its_slot_back_once()
    {
        var slots = new StreamSlots(2);
        var first = slots.TryTake();
        var second = slots.TryTake();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryTake());
        Assert.Equal(2, slots.Open);

        first!.Dispose();
        first.Dispose();
        Assert.Equal(1, slots.Open);
        Assert.NotNull(slots.TryTake());
        Assert.Null(slots.TryTake());
    }
}
