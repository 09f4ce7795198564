using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting.Api;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// How a batch's parts reach other instances: the owners learnt in one round, every peer asked at once, one part
/// per owner, every owner at once; an owner that does not answer is forgotten. The peers are an in-memory handler
/// that holds each request until the others it expects have arrived, so asking one after another never completes.
/// </summary>
public class PeerDirectoryTests
{
    private const string Secret = "peer-directory-tests-secret-0123456789";
    private static readonly Dictionary<string, int[]> Owned = new() { ["peer-a"] = [0, 1], ["peer-b"] = [2, 3], ["peer-c"] = [] };

    [Fact]
    public async Task Each_owner_gets_one_part_and_every_peer_is_asked_at_once()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peers = new Peers(partitionsTogether: 3, batchesTogether: 2);
        var directory = Directory(peers);

        var replies = await directory.ForwardToOwnersAsync([0, 3, 1, 2, 4], Part, apiKey: "k", cancel);

        // One round of partition questions, one part per owner with every partition it owns
        Assert.Equal(3, peers.Asked.Count(a => a.Method == "GET"));
        Assert.Equal(["peer-a 0,1", "peer-b 3,2"], peers.Asked.Where(a => a.Method == "POST").Select(a => a.What).Order());
        Assert.Equal(3, replies.Count);
        Assert.Contains(replies, r => r.Partitions.SequenceEqual([0, 1]) && r.Reply.IsSuccess && r.Reply.Body == "peer-a answered 0,1");
        Assert.Contains(replies, r => r.Partitions.SequenceEqual([3, 2]) && r.Reply.IsSuccess && r.Reply.Body == "peer-b answered 3,2");
        Assert.Contains(replies, r => r.Partitions.SequenceEqual([4]) && r.Reply.Problem == "no instance owns partition 4 right now (a rebalance may be in progress)");

        // And the owners are remembered: a second batch asks no peer which partitions it owns
        await directory.ForwardToOwnersAsync([1, 2], Part, apiKey: "k", cancel);
        Assert.Equal(3, peers.Asked.Count(a => a.Method == "GET"));
    }

    [Fact]
    public async Task An_owner_that_does_not_answer_is_forgotten_for_every_partition_it_was_asked_for()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peers = new Peers(partitionsTogether: 3, batchesTogether: 1) { Down = "peer-b" };
        var directory = Directory(peers);

        var replies = await directory.ForwardToOwnersAsync([0, 2, 3], Part, apiKey: "k", cancel);

        Assert.True(replies.Single(r => r.Partitions.Contains(0)).Reply.IsSuccess);
        var failed = replies.Single(r => r.Partitions.Contains(2));
        Assert.Equal([2, 3], failed.Partitions);
        Assert.StartsWith("the owner of partitions 2, 3 did not answer", failed.Reply.Problem, StringComparison.Ordinal);

        // Then the next query for either partition asks the peers again, and partition 0's owner is still known
        peers.Down = null;
        peers.PartitionsTogether = 3;
        Assert.Equal(new Uri("http://peer-b:8080/"), await directory.OwnerOfAsync(3, cancel));
        Assert.Equal(6, peers.Asked.Count(a => a.Method == "GET"));
        Assert.Equal(new Uri("http://peer-a:8080/"), await directory.OwnerOfAsync(0, cancel));
        Assert.Equal(6, peers.Asked.Count(a => a.Method == "GET"));
    }

    private static HttpRequestMessage Part(Uri owner, IReadOnlyList<int> partitions) =>
        new(HttpMethod.Post, new Uri(owner, "v1/check/batch")) { Content = new StringContent(string.Join(",", partitions)) };

    private static PeerDirectory Directory(Peers peers) =>
        new(new ApiSettings { Peers = string.Join(",", Owned.Keys.Select(p => $"http://{p}:8080")), PeerSecret = Secret },
            peers, new PeerCredentials(Secret), NullLogger<PeerDirectory>.Instance);

    /// <summary>
    /// Three instances behind one handler. A partitions question is answered once <see cref="PartitionsTogether"/> of
    /// them are waiting, a batch part once <c>batchesTogether</c> are: asked one after another, the first waits for
    /// the peers' timeout (5 s) and fails.
    /// </summary>
    private sealed class Peers(int partitionsTogether, int batchesTogether) : HttpMessageHandler, IHttpClientFactory
    {
        private readonly Rendezvous batches = new(batchesTogether);
        private Rendezvous partitions = new(partitionsTogether);

        public ConcurrentQueue<(string Method, string What)> Asked { get; } = new();

        public string? Down { get; set; }

        public int PartitionsTogether { set => partitions = new Rendezvous(value); }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false) { Timeout = PeerClient.Timeout };

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var peer = request.RequestUri!.Host;
            if (request.Method == HttpMethod.Get)
            {
                Asked.Enqueue(("GET", peer));
                await partitions.ArriveAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(new PeerDirectory.PartitionsAnswer(peer, Owned[peer], "RUNNING")) };
            }
            var asked = await request.Content!.ReadAsStringAsync(cancellationToken);
            Asked.Enqueue(("POST", $"{peer} {asked}"));
            if (peer == Down)
            {
                throw new HttpRequestException("connection refused");
            }
            await batches.ArriveAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"{peer} answered {asked}") };
        }
    }

    private sealed class Rendezvous(int expected)
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrived;

        public Task ArriveAsync(CancellationToken cancel)
        {
            if (Interlocked.Increment(ref arrived) >= expected)
            {
                all.TrySetResult();
            }
            return all.Task.WaitAsync(cancel);
        }
    }
}
