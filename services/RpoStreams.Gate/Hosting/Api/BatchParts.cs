using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// The subjects of a batch that other instances own, asked of them: the owners found in one round
/// (<see cref="PeerDirectory.OwnersOfAsync"/>), then one part per owner, every owner at once, so a peer that does not
/// answer costs the batch at most one timeout in finding the owners and one for its part, not one per partition. A
/// part is split only where its body would pass <c>Api:MaxBatchBytes</c> (the peer's limit, as this instance's); an
/// owner's parts go one after another, and after one without an answer (none, or a refusal) the rest are not sent. A
/// part may take <see cref="PeerClient.PartTimeout"/>.
/// </summary>
internal static class BatchParts
{
    /// <summary>As ASP.NET's JSON, but with characters other than JSON's own written as they are: a part is never larger than the subjects asked.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Fills <paramref name="results"/> at the indexes of <paramref name="remote"/> (partition → indexes into
    /// <paramref name="subjects"/>) with the owners' answers, or UNAVAILABLE and why.
    /// </summary>
    public static async Task AskOwnersAsync(
        PeerDirectory peers, CheckEndpoints.BatchRequest template, IReadOnlyList<string> subjects, IReadOnlyDictionary<int, List<int>> remote,
        CheckEndpoints.BatchItem?[] results, long maxBytes, string apiKey, CancellationToken cancel)
    {
        var owners = await peers.OwnersOfAsync([.. remote.Keys], cancel);
        foreach (var (partition, indexes) in remote.Where(r => owners[r.Key] is null))
        {
            foreach (var i in indexes)
            {
                results[i] = Unavailable(i, subjects[i], $"no instance owns partition {partition} right now (a rebalance may be in progress)");
            }
        }
        await Task.WhenAll(owners.Where(o => o.Value is not null).GroupBy(o => o.Value!, o => o.Key).Select(async owned =>
        {
            IReadOnlyList<int> partitions = [.. owned];
            var asked = partitions.SelectMany(p => remote[p].Select(i => (Index: i, Partition: p))).ToList();
            foreach (var (part, body) in Fit(asked, template, subjects, maxBytes))
            {
                var reply = await peers.ForwardToAsync(owned.Key, partitions, owner => Request(owner, body), apiKey, PeerClient.PartTimeout(part.Count), cancel);
                var answer = reply.As<CheckEndpoints.BatchAnswer>();
                for (var j = 0; j < part.Count; j++)
                {
                    var (i, partition) = part[j];
                    results[i] = answer?.Results is { } r && j < r.Count
                        ? r[j] with { Index = i }
                        : Unavailable(i, subjects[i], reply.Problem is null
                            ? $"the instance owning partition {partition} answered {reply.Status}"
                            : $"no instance answered for partition {partition}");
                }
                if (answer is null)
                {
                    var why = reply.Problem is null
                        ? $"not asked: the instance owning partition {part[0].Partition} answered an earlier part {reply.Status}"
                        : $"not asked: the instance owning partition {part[0].Partition} did not answer an earlier part";
                    foreach (var (i, _) in asked.Where(a => results[a.Index] is null))
                    {
                        results[i] = Unavailable(i, subjects[i], why);
                    }
                    break;
                }
            }
        }));
    }

    /// <summary>The parts of <paramref name="asked"/>, each with its body: the whole when it fits in <paramref name="maxBytes"/>, else halves, and so on.</summary>
    private static IEnumerable<(List<(int Index, int Partition)> Part, byte[] Body)> Fit(
        List<(int Index, int Partition)> asked, CheckEndpoints.BatchRequest template, IReadOnlyList<string> subjects, long maxBytes)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(template with { Subjects = [.. asked.Select(a => subjects[a.Index])] }, Json);
        if (body.Length <= maxBytes || asked.Count == 1)
        {
            yield return (asked, body);
            yield break;
        }
        var half = asked.Count / 2;
        foreach (var part in Fit(asked[..half], template, subjects, maxBytes).Concat(Fit(asked[half..], template, subjects, maxBytes)))
        {
            yield return part;
        }
    }

    private static HttpRequestMessage Request(Uri owner, byte[] body) =>
        new(HttpMethod.Post, new Uri(owner, "v1/check/batch"))
        {
            Content = new PeerBody(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        };

    private static CheckEndpoints.BatchItem Unavailable(int index, string subject, string why) => new(index, subject, "UNAVAILABLE", [], null, null, why);
}
