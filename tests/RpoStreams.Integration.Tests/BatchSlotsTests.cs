using RpoStreams.Gate.Hosting.Api;

namespace RpoStreams.Integration.Tests;

/// <summary>Batches wait for a slot (half the cores); a slot given back twice frees one.</summary>
public class BatchSlotsTests
{
    [Fact]
    public async Task A_batch_waits_for_a_free_slot_and_is_refused_when_none_comes_free_in_time()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var slots = new BatchSlots(1, TimeSpan.FromMilliseconds(200));

        using (var first = await slots.EnterAsync(cancel))
        {
            Assert.NotNull(first);
            Assert.Null(await slots.EnterAsync(cancel));
            var waiting = slots.EnterAsync(cancel);
            first!.Dispose();
            first.Dispose();
            using var second = await waiting;
            Assert.NotNull(second);
        }

        using var third = await slots.EnterAsync(cancel);
        Assert.NotNull(third);
    }
}
