namespace RpoStreams.Gate.Hosting.Api;

/// <summary>The check API (section <c>Api</c>).</summary>
public sealed class ApiSettings
{
    /// <summary>API key → the companyId it may ask about (environment <c>Api__Keys__&lt;key&gt;=&lt;companyId&gt;</c>).</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Requests per second allowed per key (token bucket, bursts up to one second's worth).</summary>
    public int RequestsPerSecond { get; set; } = 1_000;

    /// <summary>Most subjects in one batch.</summary>
    public int MaxBatchSubjects { get; set; } = 10_000;

    /// <summary>Base URLs of the other instances (<c>http://rpo-gate-1.rpo-gate-headless:8080,...</c>), for routing a query to the owner of its partition.</summary>
    public string? Peers { get; set; }

    /// <summary>A DNS name whose addresses are the instances (a Kubernetes headless service), with <see cref="PeerPort"/>.</summary>
    public string? PeerDns { get; set; }

    public int PeerPort { get; set; } = 8080;

    public IEnumerable<string> Validate()
    {
        if (RequestsPerSecond is < 1 or > 1_000_000)
        {
            yield return $"Api:RequestsPerSecond must be between 1 and 1000000 (got {RequestsPerSecond})";
        }
        if (MaxBatchSubjects is < 1 or > 100_000)
        {
            yield return $"Api:MaxBatchSubjects must be between 1 and 100000 (got {MaxBatchSubjects})";
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
