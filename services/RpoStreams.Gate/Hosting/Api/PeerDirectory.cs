using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Which instance owns which subject partition. Every instance answers GET /internal/v1/partitions with
/// the partitions its tasks run; peers come from <c>Api:Peers</c> or the addresses of <c>Api:PeerDns</c>
/// (a headless service). Answers are cached for a few seconds; a miss asks every peer again. Every request to
/// a peer is signed (<see cref="PeerCredentials"/>); an instance without <c>Api:PeerSecret</c> has no peers.
/// </summary>
public sealed class PeerDirectory
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ApiSettings settings;
    private readonly HttpClient http;
    private readonly ILogger<PeerDirectory> logger;
    private readonly ConcurrentDictionary<int, (Uri Peer, DateTimeOffset Until)> owners = new();

    private readonly PeerCredentials credentials;

    public PeerDirectory(ApiSettings settings, IHttpClientFactory clients, PeerCredentials credentials, ILogger<PeerDirectory> logger)
    {
        this.settings = settings;
        this.credentials = credentials;
        http = clients.CreateClient(nameof(PeerDirectory));
        this.logger = logger;
    }

    public bool HasPeers => settings.HasPeers && !credentials.IsEphemeral;

    /// <summary>The base URL of the peer that owns <paramref name="partition"/>, or null when none says so.</summary>
    public async Task<Uri?> OwnerOfAsync(int partition, CancellationToken cancel)
    {
        if (owners.TryGetValue(partition, out var cached) && cached.Until > DateTimeOffset.UtcNow)
        {
            return cached.Peer;
        }
        var until = DateTimeOffset.UtcNow + CacheFor;
        foreach (var peer in await PeersAsync(cancel))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer, "/internal/v1/partitions"));
                credentials.Sign(request);
                using var response = await http.SendAsync(request, cancel);
                var answer = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<PartitionsAnswer>(cancel) : null;
                foreach (var p in answer?.Partitions ?? [])
                {
                    owners[p] = (peer, until);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                logger.LogDebug("Peer {Peer} did not say which partitions it owns: {Reason}", peer, e.Message);
            }
        }
        return owners.TryGetValue(partition, out var found) && found.Until > DateTimeOffset.UtcNow ? found.Peer : null;
    }

    /// <summary>Forgets what a peer said (it did not answer a forwarded query).</summary>
    public void Forget(int partition) => owners.TryRemove(partition, out _);

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
