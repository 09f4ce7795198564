using System.Net;
using System.Text.Json;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>What another instance answered, or why it did not (<see cref="Problem"/>, for a 503's detail).</summary>
public sealed record PeerReply(int Status, string? ContentType, string Body, string? Problem)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool IsSuccess => Problem is null && Status is >= 200 and < 300;

    /// <summary>The other instance refused this one's signature: a configuration problem, not a dead peer.</summary>
    public bool SignatureRefused { get; init; }

    /// <summary>No answer came within the request's deadline.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The body of a successful reply as <typeparamref name="T"/>, or null.</summary>
    public T? As<T>() where T : class
    {
        if (!IsSuccess)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(Body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static PeerReply Failed(string problem) => new(0, null, string.Empty, problem);
}

/// <summary>
/// The one way a request reaches another instance of the gate: with the caller's API key, signed with
/// <c>Api:PeerSecret</c> (<see cref="PeerCredentials"/>), through the peers' <see cref="HttpClient"/>, within
/// <see cref="Timeout"/> or the time given. A peer that does not answer, times out or refuses the signature gives a
/// reply with a problem, never an exception.
/// </summary>
public sealed class PeerClient(IHttpClientFactory clients, PeerCredentials credentials)
{
    /// <summary>The named <see cref="HttpClient"/> of requests between instances (its own timeout off: each request has one).</summary>
    public const string HttpClientName = "rpo-peers";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>What a batch part of <paramref name="subjects"/> subjects may take: <see cref="Timeout"/> and a second per 1,000 (10,000 addresses take about 0.7 s on an idle instance).</summary>
    public static TimeSpan PartTimeout(int subjects) => Timeout + TimeSpan.FromMilliseconds(subjects);

    public async Task<PeerReply> SendAsync(HttpRequestMessage request, string? apiKey, CancellationToken cancel, TimeSpan? timeout = null)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            request.Headers.Add(CheckEndpoints.ApiKeyHeader, apiKey);
        }
        await credentials.SignAsync(request, cancel);
        var within = timeout ?? Timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(within);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            if (response.StatusCode == HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.ToString() == PeerCredentials.Scheme)
            {
                return PeerReply.Failed("refused this instance's signature (is Api:PeerSecret the same on every instance?)") with { SignatureRefused = true };
            }
            return new PeerReply((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, null);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            return e is OperationCanceledException
                ? PeerReply.Failed(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"did not answer within {within.TotalSeconds:0.#} s")) with { TimedOut = true }
                : PeerReply.Failed($"did not answer: {e.Message}");
        }
    }
}
