using System.Collections.Concurrent;
using System.Net;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Which instance owns which subject partition. Every instance answers GET /internal/v1/partitions with
/// the partitions its tasks run; peers come from <c>Api:Peers</c> or the addresses of <c>Api:PeerDns</c>
/// (a headless service). Answers are cached for a few seconds; a miss asks every peer again. Queries for a
/// partition owned elsewhere go to its owner through <see cref="ForwardAsync"/>; every request to a peer goes
/// through <see cref="PeerClient"/> (signed); an instance without <c>Api:PeerSecret</c> has no peers. A batch's parts: <see cref="BatchParts"/>.
/// </summary>
public sealed class PeerDirectory
{
    /// <summary>Where an instance says which partitions it owns (to its peers only).</summary>
    public const string PartitionsPath = "/internal/v1/partitions";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ApiSettings settings;
    private readonly PeerClient peers;
    private readonly PeerCredentials credentials;
    private readonly ILogger<PeerDirectory> logger;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<int, (Uri Peer, DateTimeOffset Until)> owners = new();

    public PeerDirectory(ApiSettings settings, IHttpClientFactory clients, PeerCredentials credentials, ILogger<PeerDirectory> logger, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        this.settings = settings;
        this.credentials = credentials;
        peers = new PeerClient(clients, credentials);
        this.logger = logger;
    }

    public bool HasPeers => settings.HasPeers && !credentials.IsEphemeral;

    /// <summary>The base URL of the peer that owns <paramref name="partition"/>, or null when none says so.</summary>
    public async Task<Uri?> OwnerOfAsync(int partition, CancellationToken cancel) =>
        (await OwnersOfAsync([partition], cancel))[partition];

    /// <summary>
    /// The owner of each of <paramref name="partitions"/> (null: none says so). A miss asks every peer once, all
    /// of them at once, so a peer that does not answer costs one timeout, not one per peer or per partition.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, Uri?>> OwnersOfAsync(IReadOnlyCollection<int> partitions, CancellationToken cancel)
    {
        var found = partitions.Distinct().ToDictionary(p => p, Cached);
        if (found.Values.Any(owner => owner is null))
        {
            var answers = await Task.WhenAll((await PeersAsync(cancel)).Select(peer => PartitionsOfAsync(peer, cancel)));
            // Dated when the round ends: a peer that timed out must not leave what the others said already expired.
            var until = time.GetUtcNow() + CacheFor;
            foreach (var (peer, owned) in answers)
            {
                foreach (var p in owned)
                {
                    owners[p] = (peer, until);
                    if (found.ContainsKey(p))
                    {
                        found[p] = peer;
                    }
                }
            }
        }
        return found;
    }

    /// <summary>
    /// Sends the request <paramref name="build"/> makes for the owner of <paramref name="partition"/> there, with
    /// the caller's API key. The reply, or one with a problem saying why there is none; an owner that did not
    /// answer is forgotten, so the next query asks the peers again.
    /// </summary>
    public async Task<PeerReply> ForwardAsync(int partition, Func<Uri, HttpRequestMessage> build, string apiKey, CancellationToken cancel)
    {
        if (await OwnerOfAsync(partition, cancel) is not { } owner)
        {
            return PeerReply.Failed($"no instance owns partition {partition} right now (a rebalance may be in progress)");
        }
        return await ForwardToAsync(owner, [partition], build, apiKey, timeout: null, cancel);
    }

    /// <summary>
    /// Sends what <paramref name="build"/> makes to <paramref name="owner"/>, which <see cref="OwnersOfAsync"/> said owns
    /// <paramref name="partitions"/>, giving it <paramref name="timeout"/> (<see cref="PeerClient.Timeout"/>). If it does
    /// not answer, it is forgotten as their owner.
    /// </summary>
    public async Task<PeerReply> ForwardToAsync(Uri owner, IReadOnlyCollection<int> partitions, Func<Uri, HttpRequestMessage> build, string apiKey, TimeSpan? timeout, CancellationToken cancel)
    {
        using var request = build(owner);
        var reply = await peers.SendAsync(request, apiKey, cancel, timeout);
        if (reply.Problem is { } problem)
        {
            if (!reply.SignatureRefused)
            {
                foreach (var p in partitions)
                {
                    if (owners.TryGetValue(p, out var entry) && entry.Peer == owner)
                    {
                        owners.TryRemove(KeyValuePair.Create(p, entry));
                    }
                }
            }
            return reply with { Problem = $"the owner of partition{(partitions.Count == 1 ? "" : "s")} {string.Join(", ", partitions)} {problem}" };
        }
        return reply;
    }

    private Uri? Cached(int partition) =>
        owners.TryGetValue(partition, out var cached) && cached.Until > time.GetUtcNow() ? cached.Peer : null;

    private async Task<(Uri Peer, IReadOnlyList<int> Partitions)> PartitionsOfAsync(Uri peer, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer, PartitionsPath));
        var reply = await peers.SendAsync(request, apiKey: null, cancel);
        if (reply.As<PartitionsAnswer>() is not { } answer)
        {
            logger.LogDebug("Peer {Peer} did not say which partitions it owns: {Reason}", peer, reply.Problem ?? $"status {reply.Status}");
            return (peer, []);
        }
        return (peer, answer.Partitions ?? []);
    }

    private async Task<IReadOnlyList<Uri>> PeersAsync(CancellationToken cancel)
    {
        var peers = (settings.Peers ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => new Uri(p.EndsWith('/') ? p : p + "/"))
            .ToList();
        if (!string.IsNullOrWhiteSpace(settings.PeerDns))
        {
            try
            {
                foreach (var address in await Dns.GetHostAddressesAsync(settings.PeerDns, cancel))
                {
                    var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                    peers.Add(new Uri($"http://{host}:{settings.PeerPort}/"));
                }
            }
            catch (System.Net.Sockets.SocketException e)
            {
                logger.LogWarning("Api:PeerDns {Name} does not resolve: {Reason}", settings.PeerDns, e.Message);
            }
        }
        return peers;
    }

    /// <summary>What GET /internal/v1/partitions answers.</summary>
    public sealed record PartitionsAnswer(string Instance, IReadOnlyList<int> Partitions, string State);
}
