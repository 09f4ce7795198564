using RpoStreams.Gate.Hosting.Api;

namespace RpoStreams.Integration.Tests;

/// <summary>Batches wait for a slot (half the cores) and are admitted four per slot; a slot given back twice frees one.</summary>
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
