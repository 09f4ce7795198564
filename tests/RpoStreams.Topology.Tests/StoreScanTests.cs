using System.Text;
using NodaTime;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy.Subjects;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.InMemory;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// Walks of a whole store (pending attempts and campaign counts after a restart, the campaign tallies' purge, the
/// subject sweep) end at <see cref="StoreScan.End"/>: every key the gate writes, whatever characters its ids hold,
/// must lie below it, or that entry is never walked (an attempt never judged after a restart, a tally never purged).
/// </summary>
public sealed class StoreScanTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "rpo-scan-" + Guid.NewGuid().ToString("N"));

    /// <summary>Ids that sort last: before, a walk ended at four U+FFFF and missed every one of them.</summary>
    public static TheoryData<string> LastIds() =>
    [
        "\U0001F600a-1",
        "\uFFFFa-1",
        new string('\uFFFF', InputLimits.Id),
        string.Concat(Enumerable.Repeat("\U0010FFFF", InputLimits.Id / 2)),
    ];

    private static IEnumerable<string> KeysOf(string id) =>
    [
        id, // a pending attempt
        CampaignPartials.KeyOf(id, id, Instant.FromUtc(2026, 3, 10, 9, 0)), // a campaign count or tally
        CampaignPartials.KeyOf(id, null, Instant.FromUtc(2026, 3, 10, 9, 0)),
        StoreNames.IntentKey(id), // the state of an intent without a valid subject
    ];

    [Theory]
    [MemberData(nameof(LastIds))]
    public void A_walk_finds_every_key_whatever_its_ids_hold_in_both_kinds_of_store(string id)
    {
        var keys = KeysOf(id).Append("0123abcd").ToList();
        var rocks = new RocksDbStateStore("scan", null, logged: false);
        rocks.Open(dir);
        var memory = new InMemoryKeyValueStore("scan");
        try
        {
            foreach (IKeyValueStore<Bytes, byte[]> store in new IKeyValueStore<Bytes, byte[]>[] { rocks, memory })
            {
                foreach (var key in keys)
                {
                    store.Put(Bytes.Wrap(Encoding.UTF8.GetBytes(key)), [1]);
                }
                using var range = store.Range(Bytes.Wrap([]), Bytes.Wrap(Encoding.UTF8.GetBytes(StoreScan.End)));
                var walked = new List<string>();
                while (range.MoveNext())
                {
                    walked.Add(Encoding.UTF8.GetString(range.Current!.Value.Key.Get));
                }
                Assert.Equal(keys.Order(StringComparer.Ordinal), walked.Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            rocks.Close();
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
