using System.Collections.Concurrent;
using System.Net;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Which instance owns which subject partition. Every instance answers GET /internal/v1/partitions with
/// the partitions its tasks run; peers come from <c>Api:Peers</c> or the addresses of <c>Api:PeerDns</c>
/// (a headless service). Answers are cached for a few seconds; a miss asks every peer again, or joins a round of
/// questions begun within the last second. A peer whose last question went unanswered within its deadline is still
/// asked, but no longer waited for: its answer, if it comes, is cached for the next query. Queries for a partition
/// owned elsewhere go to its owner through <see cref="ForwardAsync"/>; every request to a peer goes through
/// <see cref="PeerClient"/> (signed); an instance without <c>Api:PeerSecret</c> has no peers. A batch's parts:
/// <see cref="BatchParts"/>.
/// </summary>
public sealed class PeerDirectory
{
    /// <summary>Where an instance says which partitions it owns (to its peers only).</summary>
    public const string PartitionsPath = "/internal/v1/partitions";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>How long after its start a round is joined rather than a new one begun: answers it gave are that fresh.</summary>
    private static readonly TimeSpan JoinFor = TimeSpan.FromSeconds(1);

    private readonly ApiSettings settings;
    private readonly PeerClient peers;
    private readonly PeerCredentials credentials;
    private readonly ILogger<PeerDirectory> logger;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<int, (Uri Peer, DateTimeOffset Until)> owners = new();

    /// <summary>Per peer, the last of its partitions questions to be settled (they are numbered as asked), and whether it went unanswered within its deadline.</summary>
    private readonly ConcurrentDictionary<Uri, (long Question, bool Silent)> heard = new();
    private long asked;

    /// <summary>Completed, and replaced, when a peer goes silent: queries waiting only for it go on.</summary>
    private TaskCompletionSource silenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock rounds = new();
    private Task<IReadOnlyList<Question>>? round;
    private DateTimeOffset roundBegan;

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
    /// The owner of each of <paramref name="partitions"/> (null: none says so). A miss joins the round of questions under
    /// way (<see cref="Round"/>) or starts one, which asks every peer at once, and returns as soon as every partition asked
    /// is found, or only silent peers are left to answer: a peer that does not answer delays only questions about a
    /// partition no other peer owns, by one timeout, until it answers again.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, Uri?>> OwnersOfAsync(IReadOnlyCollection<int> partitions, CancellationToken cancel)
    {
        var found = partitions.Distinct().ToDictionary(p => p, Cached);
        if (!found.ContainsValue(null))
        {
            return found;
        }
        var pending = (await Round().WaitAsync(cancel)).ToList();
        while (true)
        {
            var wake = Volatile.Read(ref silenced).Task;
            if (!found.ContainsValue(null) || pending.All(q => IsSilent(q.Peer)))
            {
                break;
            }
            var done = await Task.WhenAny(pending.Select(q => (Task)q.Answer).Append(wake)).WaitAsync(cancel);
            if (done == wake)
            {
                continue;
            }
            var answered = pending.First(q => q.Answer == done);
            pending.Remove(answered);
            foreach (var p in (await answered.Answer).Where(found.ContainsKey))
            {
                found[p] = answered.Peer;
            }
        }
        // A silent peer's answer may have come in meanwhile.
        foreach (var p in found.Where(f => f.Value is null).Select(f => f.Key).ToList())
        {
            found[p] = Cached(p);
        }
        return found;
    }

    /// <summary>
    /// The round of questions under way, when it began less than <see cref="JoinFor"/> ago and no owner was forgotten
    /// since, or a new one: one question per peer, each answer cached, dated, as it comes.
    /// </summary>
    private Task<IReadOnlyList<Question>> Round()
    {
        lock (rounds)
        {
            var now = time.GetUtcNow();
            if (round is { } current && now - roundBegan < JoinFor
                && (current is { IsCompleted: false } || current is { IsCompletedSuccessfully: true } && current.Result.Any(q => !q.Answer.IsCompleted)))
            {
                return current;
            }
            roundBegan = now;
            // Not the caller's cancellation: others may be waiting for the same round (each question has its timeout).
            return round = Task.Run(async () =>
            {
                var peers = await PeersAsync();
                foreach (var gone in heard.Keys.Except(peers))
                {
                    heard.TryRemove(gone, out _);
                }
                return (IReadOnlyList<Question>)[.. peers.Select(p => new Question(p, AskAsync(p)))];
            });
        }
    }

    /// <summary>Forgets the round under way: what it says of an owner just forgotten is not to be believed.</summary>
    private void LeaveRound()
    {
        lock (rounds)
        {
            round = null;
        }
    }

    private async Task<IReadOnlyList<int>> AskAsync(Uri peer)
    {
        var question = Interlocked.Increment(ref asked);
        var (timedOut, owned) = await PartitionsOfAsync(peer);
        // An answer to an earlier question, settled after a later one, says nothing new.
        var latest = heard.AddOrUpdate(peer, (question, timedOut), (_, last) => last.Question > question ? last : (question, timedOut));
        if (latest == (question, true))
        {
            Interlocked.Exchange(ref silenced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        var until = time.GetUtcNow() + CacheFor;
        foreach (var p in owned)
        {
            owners[p] = (peer, until);
        }
        return owned;
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
                LeaveRound();
            }
            return reply with { Problem = $"the owner of partition{(partitions.Count == 1 ? "" : "s")} {string.Join(", ", partitions)} {problem}" };
        }
        return reply;
    }

    private bool IsSilent(Uri peer) => heard.TryGetValue(peer, out var last) && last.Silent;

    private Uri? Cached(int partition) =>
        owners.TryGetValue(partition, out var cached) && cached.Until > time.GetUtcNow() ? cached.Peer : null;

    /// <summary>What <paramref name="peer"/> says it owns; nothing when it does not say (logged), and whether it gave no answer within its deadline; never an exception.</summary>
    private async Task<(bool TimedOut, IReadOnlyList<int> Partitions)> PartitionsOfAsync(Uri peer)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer, PartitionsPath));
            var reply = await peers.SendAsync(request, apiKey: null, CancellationToken.None);
            if (reply.As<PartitionsAnswer>() is not { } answer)
            {
                logger.LogDebug("Peer {Peer} did not say which partitions it owns: {Reason}", peer, reply.Problem ?? $"status {reply.Status}");
                return (reply.TimedOut, []);
            }
            return (false, answer.Partitions ?? []);
        }
        catch (Exception e)
        {
            logger.LogWarning("Asking peer {Peer} which partitions it owns failed: {Reason}", peer, e.Message);
            return (false, []);
        }
    }

    /// <summary>The peers: <c>Api:Peers</c> and the addresses of <c>Api:PeerDns</c> (looked up within <see cref="PeerClient.Timeout"/>).</summary>
    private async Task<IReadOnlyList<Uri>> PeersAsync()
    {
        var peers = (settings.Peers ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => new Uri(p.EndsWith('/') ? p : p + "/"))
            .ToList();
        if (!string.IsNullOrWhiteSpace(settings.PeerDns))
        {
            try
            {
                using var lookup = new CancellationTokenSource(PeerClient.Timeout);
                foreach (var address in await Dns.GetHostAddressesAsync(settings.PeerDns, lookup.Token))
                {
                    var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                    peers.Add(new Uri($"http://{host}:{settings.PeerPort}/"));
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                logger.LogWarning("Api:PeerDns {Name} does not resolve: {Reason}", settings.PeerDns, e.Message);
            }
        }
        return peers;
    }

    /// <summary>A partitions question to <paramref name="Peer"/> in a round, and its answer to come.</summary>
    private sealed record Question(Uri Peer, Task<IReadOnlyList<int>> Answer);

    /// <summary>What GET /internal/v1/partitions answers.</summary>
    public sealed record PartitionsAnswer(string Instance, IReadOnlyList<int> Partitions, string State);
}
