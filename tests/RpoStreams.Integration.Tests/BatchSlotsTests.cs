using RpoStreams.Gate.Hosting.Api;

namespace RpoStreams.Integration.Tests;

/// <summary>Batches wait for a slot (half the cores) and are admitted four per slot; a slot given back twice frees one.</summary>
public class BatchSlotsTests
{
    [Fact]
    public async Task A_batch_waits_for_a_free_slot_and_is_refused_when_none_comes_free_in_time()
    {
        var cancel = TestContext.Current.CancellationToken;
        using (var refusing = new BatchSlots(1, TimeSpan.FromMilliseconds(200)))
        using (var held = await refusing.EnterAsync(cancel))
        {
            Assert.NotNull(held);
            Assert.Null(await refusing.EnterAsync(cancel));
        }

        // A wait long enough that no pause of a busy machine between asking and giving back ends it
        using var slots = new BatchSlots(1, TimeSpan.FromSeconds(60));
        var first = await slots.EnterAsync(cancel);
        Assert.NotNull(first);
        var waiting = slots.EnterAsync(cancel);
        first!.Dispose();
        first.Dispose();
        using var second = await waiting;
        Assert.NotNull(second);

        // The slot given back twice freed one: a third waits while the second holds it
        var third = slots.EnterAsync(cancel);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancel);
        Assert.False(third.IsCompleted, "a slot given back twice was freed twice");
        second!.Dispose();
        using var admitted = await third;
        Assert.NotNull(admitted);
    }

    [Fact]
    public async Task Batches_asked_directly_are_admitted_four_per_slot_before_their_body_is_read()
    {
        // 128 bodies of 4 MiB read at once ran a 1.2 GB heap out of memory: a batch is admitted before its body is read.
        var cancel = TestContext.Current.CancellationToken;
        using var slots = new BatchSlots(1, TimeSpan.FromMilliseconds(200));
        Assert.Equal(4, slots.InFlight);

        var admitted = new List<IDisposable?>();
        for (var i = 0; i < slots.InFlight; i++)
        {
            admitted.Add(await slots.AdmitAsync(cancel));
        }
        Assert.All(admitted, Assert.NotNull);
        Assert.Null(await slots.AdmitAsync(cancel));
        using (var slot = await slots.EnterAsync(cancel))
        {
            // Admission and the slot that answers are apart: an admitted batch still gets to be answered.
            Assert.NotNull(slot);
        }

        admitted[0]!.Dispose();
        admitted[0]!.Dispose();
        using var next = await slots.AdmitAsync(cancel);
        Assert.NotNull(next);
        Assert.Null(await slots.AdmitAsync(cancel));
        admitted.ForEach(a => a?.Dispose());
    }
}
