using System.ComponentModel.DataAnnotations;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>The check API (section <c>Api</c>).</summary>
public sealed class ApiSettings
{
    /// <summary>The bounds of <see cref="MaxBatchBytes"/>.</summary>
    public const int MinBatchBytes = 64 * 1024, MaxBatchBytesLimit = 64 * 1024 * 1024;

    /// <summary>API key → the companyId it may ask about (environment <c>Api__Keys__&lt;key&gt;=&lt;companyId&gt;</c>).</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Requests per second allowed per key (token bucket, bursts up to one second's worth).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 1_000;

    /// <summary>Most subjects in one batch.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSubjects { get; set; } = 10_000;

    /// <summary>Largest batch body, in bytes (also Kestrel's limit for every request body); 413 above it.</summary>
    [Range(MinBatchBytes, MaxBatchBytesLimit)]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The secret instances sign forwarded queries with (<see cref="PeerCredentials"/>): the same on every
    /// instance, at least 32 characters, required outside Development when <see cref="Peers"/> or
    /// <see cref="PeerDns"/> is set. Without one an instance makes a random secret of its own and forwards nothing.
    /// </summary>
    public string? PeerSecret { get; set; }

    /// <summary>Base URLs of the other instances (<c>http://rpo-gate-1.rpo-gate-headless:8080,...</c>), for routing a query to the owner of its partition.</summary>
    public string? Peers { get; set; }

    /// <summary>A DNS name whose addresses are the instances (a Kubernetes headless service), with <see cref="PeerPort"/>.</summary>
    public string? PeerDns { get; set; }

    /// <summary>The port of the instances behind <see cref="PeerDns"/>.</summary>
    [Range(1, 65_535)]
    public int PeerPort { get; set; } = 8080;

    /// <summary>True when other instances are configured to route queries to.</summary>
    public bool HasPeers => !string.IsNullOrWhiteSpace(Peers) || !string.IsNullOrWhiteSpace(PeerDns);

    /// <summary>What is wrong besides ranges (those are attributes), one line per problem naming the setting.</summary>
    public IEnumerable<string> Validate(bool development)
    {
        if (string.IsNullOrEmpty(PeerSecret) && HasPeers && !development)
        {
            yield return "Api:PeerSecret is required outside Development when Api:Peers or Api:PeerDns is set (set Api__PeerSecret to a random secret of at least 32 characters, the same on every instance)";
        }
        else if (!string.IsNullOrEmpty(PeerSecret) && PeerSecret.Length < 32)
        {
            yield return "Api:PeerSecret must be at least 32 characters";
        }
        foreach (var (key, company) in Keys)
        {
            if (key.Length < 16)
            {
                yield return "Api:Keys has a key shorter than 16 characters";
            }
            if (string.IsNullOrWhiteSpace(company))
            {
                yield return "Api:Keys has a key without a companyId";
            }
        }
        foreach (var peer in (Peers ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(peer, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                yield return $"Api:Peers '{peer}' is not an http(s) URL";
            }
        }
    }
}
