namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Batches answered at once on this instance: half the cores (one at least), so a burst of large lists never takes
/// the cores the stream's decisions and the health probes need. The others wait their turn, up to a bound, then
/// get a 503 to retry. A slot is held only while this instance answers its own subjects, never while it waits for
/// a peer (two instances forwarding to each other would otherwise wait on each other's slots).
/// <para>
/// Batches asked directly are also admitted, before their body is read, at most <see cref="InFlight"/> at once (four per
/// slot), each until its answer is written, its client held to <see cref="MinBytesPerSecond"/> both ways: a body of up
/// to 4 MiB takes about 20 MB of heap while it is read, parsed and answered, and 128 of them at once ran a 1.2 GB heap
/// out of memory. A part forwarded by a peer is bounded by the peer's admission instead (taking one here could leave two
/// instances waiting on each other).
/// </para>
/// </summary>
public sealed class BatchSlots(int slots, TimeSpan wait) : IDisposable
{
    private readonly SemaphoreSlim free = new(slots, slots);
    private readonly SemaphoreSlim admitted = new(AdmittedPerSlot * slots, AdmittedPerSlot * slots);

    private const int AdmittedPerSlot = 4;

    public BatchSlots()
        : this(Math.Max(1, Environment.ProcessorCount / 2), TimeSpan.FromSeconds(10))
    {
    }

    /// <summary>The least a batch's client must send and read, once a grace of 5 s has passed (Kestrel's default is 240 B/s).</summary>
    public const int MinBytesPerSecond = 64 * 1024;

    /// <summary>Holds an admitted batch's client to <see cref="MinBytesPerSecond"/>, both ways (HTTP/1.1: Kestrel sets HTTP/2's per connection only).</summary>
    public static void RequireDataRate(HttpContext http)
    {
        if (!HttpProtocol.IsHttp11(http.Request.Protocol) && !HttpProtocol.IsHttp10(http.Request.Protocol))
        {
            return;
        }
        var rate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(MinBytesPerSecond, TimeSpan.FromSeconds(5));
        if (http.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } body)
        {
            body.MinDataRate = rate;
        }
        if (http.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature>() is { } answer)
        {
            answer.MinDataRate = rate;
        }
    }

    /// <summary>Batches asked directly that may be read, parsed and answered at once.</summary>
    public int InFlight => AdmittedPerSlot * slots;

    /// <summary>Admission for a batch asked directly, released when disposed; null when none came free within <see cref="Wait"/>.</summary>
    public async Task<IDisposable?> AdmitAsync(CancellationToken cancel) =>
        await admitted.WaitAsync(wait, cancel) ? new Slot(admitted) : null;

    /// <summary>How long a batch asked directly waits for a slot before it is refused.</summary>
    public TimeSpan Wait => wait;

    /// <summary>A slot, released when disposed; null when none came free within <see cref="Wait"/>.</summary>
    public Task<IDisposable?> EnterAsync(CancellationToken cancel) => EnterAsync(wait, cancel);

    /// <summary>A slot, released when disposed; null when none came free within <paramref name="within"/>.</summary>
    public async Task<IDisposable?> EnterAsync(TimeSpan within, CancellationToken cancel) =>
        await free.WaitAsync(within, cancel) ? new Slot(free) : null;

    public void Dispose()
    {
        free.Dispose();
        admitted.Dispose();
    }

    private sealed class Slot(SemaphoreSlim free) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                free.Release();
            }
        }
    }
}
