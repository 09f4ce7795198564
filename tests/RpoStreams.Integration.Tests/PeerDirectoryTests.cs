using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// How a batch's subjects reach the instances that own them (<see cref="BatchParts"/>): the owners learnt in one
/// round that asks every peer at once, one part per owner, every owner at once, answers put back in the batch's
/// order; an owner that does not answer is forgotten. The peers are an in-memory handler that holds each request
/// until the others it expects have arrived, so asking one after another never completes.
/// </summary>
public class PeerDirectoryTests
{
    private const string Secret = "peer-directory-tests-secret-0123456789";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Dictionary<string, int[]> Owned = new() { ["peer-a"] = [0, 1], ["peer-b"] = [2, 3], ["peer-c"] = [] };
    private static readonly CheckEndpoints.BatchRequest Template = new("ACME", "PHONE", null, "2026-12-05T10:00:00Z", null, null);

    [Fact]
    public async Task Each_owner_gets_one_part_every_peer_is_asked_at_once_and_answers_keep_the_batch_order()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peers = new Peers(partitionsTogether: 3, batchesTogether: 2);
        var directory = Directory(peers);
        string[] subjects = ["s0", "s1", "s2", "s3", "s4", "s5", "s6"];
        var remote = new Dictionary<int, List<int>> { [0] = [0, 4], [3] = [1], [1] = [2], [2] = [3, 5], [4] = [6] };
        var results = new CheckEndpoints.BatchItem?[subjects.Length];

        await BatchParts.AskOwnersAsync(directory, Template, subjects, remote, results, maxBytes: 4096, apiKey: "k", cancel);

        // One round of partition questions, one part per owner holding every partition it owns
        Assert.Equal(3, peers.Questions);
        Assert.Equal(["peer-a s0,s4,s2", "peer-b s1,s3,s5"], peers.Asked.Where(a => a.Method == "POST").Select(a => a.What).Order());
        // Each answer where its subject was, from its owner; partition 4's owner is unknown
        Assert.Equal(subjects, results.Select(r => r!.Subject));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], results.Select(r => r!.Index));
        Assert.Equal(["peer-a", "peer-b", "peer-a", "peer-b", "peer-a", "peer-b", null], results.Select(r => r!.Basis));
        Assert.Equal("UNAVAILABLE", results[6]!.Outcome);
        Assert.Equal("no instance owns partition 4 right now (a rebalance may be in progress)", results[6]!.Error);

        // And the owners are remembered: the next question about them asks no peer
        Assert.Equal(new Uri("http://peer-b:8080/"), await directory.OwnerOfAsync(2, cancel));
        Assert.Equal(3, peers.Questions);
    }

    [Fact]
    public async Task A_peer_that_does_not_answer_delays_no_question_the_others_answer()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var peers = new Peers(partitionsTogether: 1, batchesTogether: 1) { Holds = peer => peer == "peer-c" };
        var directory = Directory(peers);

        // peer-c holds its answer (past any deadline): the owners of 0 and 2 are known without it
        var owners = await directory.OwnersOfAsync([0, 2], cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);
        Assert.Equal(new Uri("http://peer-a:8080/"), owners[0]);
        Assert.Equal(new Uri("http://peer-b:8080/"), owners[2]);

        // A partition only peer-c could own waits for its answer, in the same round
        var waiting = directory.OwnersOfAsync([4], cancel);
        Assert.False(waiting.IsCompleted);
        peers.Release();
        Assert.Null((await waiting)[4]);
        Assert.Equal(3, peers.Questions);
    }

    [Fact]
    public async Task A_peer_that_did_not_answer_its_last_question_in_time_is_asked_but_not_waited_for_until_it_answers()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var peers = new Peers(partitionsTogether: 1, batchesTogether: 1) { TimesOut = peer => peer == "peer-c" };
        var directory = Directory(peers);
        Assert.Null((await directory.OwnersOfAsync([4], cancel))[4]);

        // Given peer-c, which did not answer in time, now holds its answer: a partition no other peer owns is not waited for
        peers.TimesOut = null;
        peers.Holds = peer => peer == "peer-c";
        Assert.Null((await directory.OwnersOfAsync([4], cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel))[4]);
        Assert.Equal(6, peers.Questions);

        // When it has answered again (partition 5, known once its answer is), it is waited for again: here it takes
        // partition 4 and holds the answer that says so
        peers.Owns["peer-c"] = [5];
        peers.Release();
        using (var tick = Signal.Every(TimeSpan.FromMilliseconds(20)))
        {
            await Wait.UntilAsync(async () => (await directory.OwnersOfAsync([5], cancel))[5] is not null, tick, TimeSpan.FromSeconds(30), "peer-c's answer", cancel);
        }
        peers.Owns["peer-c"] = [4];
        peers.Hold();
        var waiting = directory.OwnersOfAsync([4], cancel);
        // (a second for the query to end without it, as it would if peer-c were still not waited for)
        await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(1), cancel));
        peers.Release();
        Assert.Equal(new Uri("http://peer-c:8080/"), (await waiting)[4]);
        Assert.Equal(9, peers.Questions);
    }

    [Fact]
    public async Task A_query_waiting_for_a_peer_goes_on_once_an_earlier_question_finds_it_silent()
    {
        var cancel = TestContext.Current.CancellationToken;
        // Given a query waiting for peer-c's first answer, and a later one, in a round of its own, for its second (held)
        var (peers, directory, _, first, deadline) = await FirstQuestionToPeerCOpenAsync(holdFrom: 2, cancel);
        using var _ = peers;
        var second = directory.OwnersOfAsync([4], cancel);
        using var tick = Signal.Every(TimeSpan.FromMilliseconds(20));
        await Wait.UntilAsync(() => peers.Questions == 6, tick, TimeSpan.FromSeconds(30), "the second round", cancel);

        // When its first question times out
        deadline.SetResult();

        // Then both go on, the second without waiting for the answer peer-c holds
        Assert.Null((await first.WaitAsync(TimeSpan.FromSeconds(30), cancel))[4]);
        Assert.Null((await second.WaitAsync(TimeSpan.FromSeconds(30), cancel))[4]);
    }

    [Fact]
    public async Task A_question_that_times_out_after_a_later_one_was_answered_does_not_silence_the_peer()
    {
        var cancel = TestContext.Current.CancellationToken;
        // Given peer-c's first question still open when its second, in a round of its own, is answered
        var (peers, directory, time, first, deadline) = await FirstQuestionToPeerCOpenAsync(holdFrom: 3, cancel);
        using var _ = peers;
        Assert.Null((await directory.OwnersOfAsync([4], cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel))[4]);

        // When the first times out
        deadline.SetResult();
        Assert.Null((await first.WaitAsync(TimeSpan.FromSeconds(30), cancel))[4]);

        // Then the later answer stands: peer-c, which now takes partition 4 and holds the answer that says so, is waited for
        peers.Owns["peer-c"] = [4];
        time.Advance(TimeSpan.FromSeconds(2));
        var third = directory.OwnersOfAsync([4], cancel);
        // (a second for the query to end without it, as it would if peer-c were silent)
        await Task.WhenAny(third, Task.Delay(TimeSpan.FromSeconds(1), cancel));
        peers.Release();
        Assert.Equal(new Uri("http://peer-c:8080/"), (await third)[4]);
        Assert.Equal(9, peers.Questions);
    }

    /// <summary>
    /// A query for partition 4 (no peer's) waiting for peer-c's first partitions question, which times out when
    /// <c>Deadline</c> is set; peer-c holds its answers from the <paramref name="holdFrom"/>th question on. The clock has
    /// moved past the round's second, so the next query begins a round of its own.
    /// </summary>
    private static async Task<(Peers Peers, PeerDirectory Directory, ManualTime Time, Task<IReadOnlyDictionary<int, Uri?>> First, TaskCompletionSource Deadline)> FirstQuestionToPeerCOpenAsync(
        int holdFrom, CancellationToken cancel)
    {
        var deadline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var questionsToC = 0;
        var peers = new Peers(partitionsTogether: 1, batchesTogether: 1)
        {
            Answering = async peer =>
            {
                if (peer == "peer-c" && Interlocked.Increment(ref questionsToC) == 1)
                {
                    await deadline.Task;
                    throw new TaskCanceledException("the request's deadline passed");
                }
            },
            Holds = peer => peer == "peer-c" && Volatile.Read(ref questionsToC) >= holdFrom,
        };
        var time = new ManualTime();
        var directory = Directory(peers, time);
        var first = directory.OwnersOfAsync([4], cancel);
        using (var tick = Signal.Every(TimeSpan.FromMilliseconds(20)))
        {
            await Wait.UntilAsync(() => peers.Questions == 3, tick, TimeSpan.FromSeconds(30), "the first round", cancel);
        }
        time.Advance(TimeSpan.FromSeconds(2));
        return (peers, directory, time, first, deadline);
    }

    [Fact]
    public async Task Questions_asked_while_a_round_is_under_way_join_it()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var peers = new Peers(partitionsTogether: 1, batchesTogether: 1) { Holds = _ => true };
        var directory = Directory(peers);

        var first = directory.OwnersOfAsync([4], cancel);
        var second = directory.OwnersOfAsync([0, 4], cancel);
        peers.Release();

        Assert.Null((await first)[4]);
        Assert.Equal(new Uri("http://peer-a:8080/"), (await second)[0]);
        Assert.Equal(3, peers.Questions);
    }

    [Fact]
    public async Task An_owner_forgotten_is_not_taken_again_from_the_round_it_came_from()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var peers = new Peers(partitionsTogether: 1, batchesTogether: 1) { Holds = peer => peer == "peer-c", Down = "peer-b" };
        var directory = Directory(peers);

        // Given peer-b, named owner of partition 2 in a round peer-c keeps open, does not answer a part
        var results = new CheckEndpoints.BatchItem?[1];
        await BatchParts.AskOwnersAsync(directory, Template, ["s0"], new Dictionary<int, List<int>> { [2] = [0] }, results, 4096, "k", cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);
        Assert.Equal("no instance answered for partition 2", results[0]!.Error);
        Assert.Equal(3, peers.Questions);

        // Then the next question about partition 2 asks the peers again
        await directory.OwnerOfAsync(2, cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);
        Assert.Equal(6, peers.Questions);
    }

    [Fact]
    public async Task An_owner_that_does_not_answer_is_forgotten_for_every_partition_it_was_asked_for()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peers = new Peers(partitionsTogether: 3, batchesTogether: 1) { Down = "peer-b" };
        var directory = Directory(peers);
        string[] subjects = ["s0", "s1", "s2"];
        var results = new CheckEndpoints.BatchItem?[subjects.Length];

        await BatchParts.AskOwnersAsync(directory, Template, subjects, new Dictionary<int, List<int>> { [0] = [0], [2] = [1], [3] = [2] }, results, 4096, "k", cancel);

        Assert.Equal("peer-a", results[0]!.Basis);
        Assert.Equal(["no instance answered for partition 2", "no instance answered for partition 3"], results[1..].Select(r => r!.Error));

        // Then partition 0's owner is still known, and a question about either of the others asks the peers again
        Assert.Equal(new Uri("http://peer-a:8080/"), await directory.OwnerOfAsync(0, cancel));
        Assert.Equal(3, peers.Questions);
        Assert.Equal(new Uri("http://peer-b:8080/"), await directory.OwnerOfAsync(2, cancel));
        Assert.Equal(6, peers.Questions);
        await BatchParts.AskOwnersAsync(directory, Template, subjects, new Dictionary<int, List<int>> { [2] = [1], [3] = [2] }, results, 4096, "k", cancel);
        Assert.Equal(new Uri("http://peer-b:8080/"), await directory.OwnerOfAsync(3, cancel));
        Assert.Equal(9, peers.Questions);
    }

    [Fact]
    public async Task A_part_larger_than_a_batch_body_may_be_is_split_and_after_one_not_answered_the_rest_are_not_sent()
    {
        var cancel = TestContext.Current.CancellationToken;
        var peers = new Peers(partitionsTogether: 3, batchesTogether: 1);
        var directory = Directory(peers);
        var subjects = Enumerable.Range(0, 8).Select(i => $"VIA ROMA {i} " + new string('X', 60)).ToArray();
        var results = new CheckEndpoints.BatchItem?[subjects.Length];
        var remote = new Dictionary<int, List<int>> { [0] = [0, 2, 4, 6], [1] = [1, 3, 5, 7] };

        await BatchParts.AskOwnersAsync(directory, Template, subjects, remote, results, maxBytes: 300, "k", cancel);

        var parts = peers.Bodies.ToList();
        Assert.True(parts.Count >= 3, $"{parts.Count} parts");
        Assert.All(parts, body => Assert.True(body.Length <= 300, $"a part of {body.Length} bytes"));
        Assert.Equal(subjects.Length, parts.Sum(SubjectsIn));
        Assert.Equal(subjects, results.Select(r => r!.Subject));
        Assert.All(results, r => Assert.Equal("peer-a", r!.Basis));

        // When the owner stops answering after the first part
        peers.Bodies.Clear();
        peers.DownAfter = 1;
        Array.Clear(results);
        await BatchParts.AskOwnersAsync(directory, Template, subjects, remote, results, maxBytes: 300, "k", cancel);

        // Then the second is answered for as not answered, and the rest are not sent
        var sent = peers.Bodies.ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(SubjectsIn(sent[0]), results.Count(r => r!.Basis == "peer-a"));
        Assert.Equal(SubjectsIn(sent[1]), results.Count(r => r!.Error?.StartsWith("no instance answered for partition", StringComparison.Ordinal) == true));
        Assert.Equal(subjects.Length - SubjectsIn(sent[0]) - SubjectsIn(sent[1]), results.Count(r => r!.Error is { } e && e.StartsWith("not asked: the instance owning partition ", StringComparison.Ordinal) && e.EndsWith(" did not answer an earlier part", StringComparison.Ordinal)));
        Assert.Equal(subjects, results.Select(r => r!.Subject));
    }

    private static int SubjectsIn(byte[] body) => JsonSerializer.Deserialize<CheckEndpoints.BatchRequest>(body, Json)!.Subjects!.Count;

    /// <summary>A directory on a clock that stands still, so what it caches stays cached.</summary>
    private static PeerDirectory Directory(Peers peers, TimeProvider? time = null) =>
        new(new ApiSettings { Peers = string.Join(",", Owned.Keys.Select(p => $"http://{p}:8080")), PeerSecret = Secret },
            peers, new PeerCredentials(Secret), NullLogger<PeerDirectory>.Instance, time ?? new ManualTime());

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset now = DateTimeOffset.UnixEpoch.AddYears(56);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }

    /// <summary>
    /// Three instances behind one handler. A partitions question is answered once <c>partitionsTogether</c> of
    /// them are waiting, a batch part once <c>batchesTogether</c> are: asked one after another, the first waits for
    /// the peers' timeout (5 s) and fails. A part is answered ALLOWED for each subject, the basis naming the peer.
    /// </summary>
    private sealed class Peers(int partitionsTogether, int batchesTogether) : HttpMessageHandler, IHttpClientFactory
    {
        private readonly Rendezvous batches = new(batchesTogether);
        private Rendezvous partitions = new(partitionsTogether);
        private int posts;

        public ConcurrentQueue<(string Method, string What)> Asked { get; } = new();

        public ConcurrentQueue<byte[]> Bodies { get; } = new();

        public string? Down { get; set; }

        /// <summary>After this many more parts every part fails.</summary>
        public int DownAfter
        {
            set
            {
                posts = 0;
                downAfter = value;
            }
        }

        private int downAfter = int.MaxValue;

        private TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The peers whose answers to partitions questions wait for <see cref="Release"/> (or the handler's disposal).</summary>
        public Func<string, bool>? Holds { get; set; }

        /// <summary>The peers whose partitions questions fail at once, as at the request's deadline.</summary>
        public Func<string, bool>? TimesOut { get; set; }

        /// <summary>Awaited before a partitions question is answered (or held).</summary>
        public Func<string, Task>? Answering { get; init; }

        /// <summary>Partitions questions asked so far.</summary>
        public int Questions => Asked.Count(a => a.Method == "GET");

        /// <summary>What each peer says it owns.</summary>
        public ConcurrentDictionary<string, int[]> Owns { get; } = new(Owned);

        public void Release() => released.TrySetResult();

        /// <summary>Holds the answers of <see cref="Holds"/> again, until the next <see cref="Release"/>.</summary>
        public void Hold() => released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override void Dispose(bool disposing)
        {
            Release();
            base.Dispose(disposing);
        }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var peer = request.RequestUri!.Host;
            if (request.Method == HttpMethod.Get)
            {
                Asked.Enqueue(("GET", peer));
                if (TimesOut?.Invoke(peer) == true)
                {
                    throw new TaskCanceledException("the request's deadline passed");
                }
                if (Answering is { } answering)
                {
                    await answering(peer);
                }
                if (Holds?.Invoke(peer) == true)
                {
                    // Past the request's deadline too: a peer that has stopped reading.
                    await released.Task.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
                }
                await partitions.ArriveAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(new PeerDirectory.PartitionsAnswer(peer, Owns[peer], "RUNNING")) };
            }
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            Bodies.Enqueue(body);
            var part = JsonSerializer.Deserialize<CheckEndpoints.BatchRequest>(body, Json)!;
            Asked.Enqueue(("POST", $"{peer} {string.Join(",", part.Subjects!)}"));
            if (peer == Down || Interlocked.Increment(ref posts) > downAfter)
            {
                throw new HttpRequestException("connection refused");
            }
            await batches.ArriveAsync(cancellationToken);
            var items = part.Subjects!.Select((s, j) => new CheckEndpoints.BatchItem(j, s, "ALLOWED", [], peer, null, null)).ToList();
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = JsonContent.Create(new CheckEndpoints.BatchAnswer(items.Count, items.Count, 0, 0, "test", part.At!, [], items)),
            };
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
