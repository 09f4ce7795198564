using System.Globalization;
using System.Net.Http.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using RpoStreams.Records;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// The real-time check API: <c>GET /v1/check</c> and <c>POST /v1/check/batch</c>. Answers come from the
/// state stores of the instance that owns the subject's partition (a query reaching another instance is
/// forwarded there), nothing is recorded, and a key sees its own company only.
/// </summary>
public static class CheckEndpoints
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string ForwardedHeader = "X-Rpo-Forwarded";
    private const string RateLimitPolicy = "per-api-key";

    public static IServiceCollection AddCheckApi(this IServiceCollection services, ApiSettings settings, string clusterSecret)
    {
        var token = ClusterToken.From(clusterSecret);
        services.AddSingleton(token);
        services.AddSingleton(settings);
        services.AddSingleton<CheckService>();
        services.AddSingleton<PeerDirectory>();
        services.AddHttpClient(nameof(PeerDirectory), c => c.Timeout = TimeSpan.FromSeconds(5));
        services.AddOpenApi();
        services.AddProblemDetails();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimitPolicy, http =>
            {
                if (token.Matches(http.Request.Headers[ForwardedHeader].ToString()))
                {
                    // Counted where it entered the cluster.
                    return RateLimitPartition.GetNoLimiter("forwarded");
                }
                var key = http.Request.Headers[ApiKeyHeader].ToString();
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.RequestsPerSecond,
                    TokensPerPeriod = settings.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, cancel) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await Results.Problem(
                    title: "Too many requests",
                    detail: $"This API key may make {settings.RequestsPerSecond} requests per second (Api:RequestsPerSecond).",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    public static WebApplication MapCheckApi(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapOpenApi();

        var api = app.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>().RequireRateLimiting(RateLimitPolicy).WithTags("check");
        api.MapGet("/check", CheckAsync)
            .WithName("Check")
            .WithSummary("What the gate would decide for one contact now")
            .WithDescription("Answers from the gate's state (register, consents, contact history, latest consultation) with the policy the stream uses; nothing is recorded and no decision is published. Without callerId the CALLER_ID_INVALID rule is not evaluated (listed in notEvaluated).")
            .Produces<CheckAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/check/batch", BatchAsync)
            .WithName("CheckBatch")
            .WithSummary("Scrub a call list of up to Api:MaxBatchSubjects subjects")
            .WithDescription("Body: JSON {companyId, channel, purpose, at, callerId, subjects: [...]}, or text/csv with one subject per line (an optional header line 'subject'; companyId, channel, purpose, at and callerId then come from the query string).")
            .Accepts<BatchRequest>("application/json", "text/csv")
            .Produces<BatchAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        app.MapGet("/internal/v1/partitions", (HttpContext http, GateRuntime runtime, ClusterToken token) =>
                token.Matches(http.Request.Headers[ForwardedHeader].ToString())
                    ? Results.Ok(new PeerDirectory.PartitionsAnswer(Environment.MachineName, runtime.OwnedPartitions.ToList(), runtime.State))
                    : Results.Problem(title: "Forbidden", detail: "for the gate's own instances only", statusCode: StatusCodes.Status403Forbidden))
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> CheckAsync(
        HttpContext http,
        [FromQuery] string? subject,
        [FromQuery] string? companyId,
        [FromQuery] string? channel,
        [FromQuery] string? at,
        [FromQuery] string? purpose,
        [FromQuery] string? callerId,
        CheckService checks,
        PeerDirectory peers,
        GateRuntime runtime,
        CancellationToken cancel)
    {
        var query = Parse(subject, companyId, channel, at, purpose, callerId, out var problem);
        if (query is null)
        {
            return problem!;
        }
        var located = checks.Locate(query.Subject, query.Channel);
        if (located is null || checks.OwnsPartition(located.Value.Partition))
        {
            return runtime.IsRunning
                ? Results.Ok(checks.Answer(query, located, runtime.LatestConsultation()))
                : Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
        }
        var forwarded = http.RequestServices.GetRequiredService<ClusterToken>().Matches(http.Request.Headers[ForwardedHeader].ToString());
        if (forwarded || !peers.HasPeers)
        {
            return Unavailable($"partition {located.Value.Partition} of this subject is not owned by this instance (a rebalance may be in progress)");
        }
        var owner = await peers.OwnerOfAsync(located.Value.Partition, cancel);
        if (owner is null)
        {
            return Unavailable($"no instance owns partition {located.Value.Partition} right now (a rebalance may be in progress)");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(owner, "v1/check" + http.Request.QueryString));
        request.Headers.Add(ApiKeyHeader, http.Request.Headers[ApiKeyHeader].ToString());
        request.Headers.Add(ForwardedHeader, http.RequestServices.GetRequiredService<ClusterToken>().Value);
        try
        {
            using var response = await http.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PeerDirectory)).SendAsync(request, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            return Results.Content(body, response.Content.Headers.ContentType?.ToString() ?? "application/json", statusCode: (int)response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            peers.Forget(located.Value.Partition);
            return Unavailable($"the owner of partition {located.Value.Partition} did not answer: {e.Message}");
        }
    }

    private static async Task<IResult> BatchAsync(HttpContext http, CheckService checks, PeerDirectory peers, GateRuntime runtime, ApiSettings settings, CancellationToken cancel)
    {
        BatchRequest? request;
        var contentType = http.Request.ContentType ?? "application/json";
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            using var reader = new StreamReader(http.Request.Body);
            var text = await reader.ReadToEndAsync(cancel);
            var lines = text.Split('\n').Select(l => l.Trim().Trim('"').TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            if (lines.Count > 0 && lines[0].Equals("subject", StringComparison.OrdinalIgnoreCase))
            {
                lines.RemoveAt(0);
            }
            var q = http.Request.Query;
            request = new BatchRequest(q["companyId"], q["channel"], q["purpose"], q["at"], q["callerId"], lines);
        }
        else
        {
            try
            {
                request = await http.Request.ReadFromJsonAsync<BatchRequest>(cancel);
            }
            catch (System.Text.Json.JsonException)
            {
                return Bad("the body is not valid JSON: expected {companyId, channel, subjects: [...]}");
            }
        }
        if (request?.Subjects is not { Count: > 0 } subjects)
        {
            return Bad("'subjects' is empty");
        }
        if (subjects.Count > settings.MaxBatchSubjects)
        {
            return Results.Problem(title: "Batch too large", detail: $"{subjects.Count} subjects; at most {settings.MaxBatchSubjects} per batch (Api:MaxBatchSubjects)", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (http.Items[ApiKeyFilter.CompanyItem] is string keyCompany && request.CompanyId is { } asked && asked != keyCompany)
        {
            return Forbidden(asked);
        }
        var template = Parse("x", request.CompanyId ?? http.Items[ApiKeyFilter.CompanyItem] as string, request.Channel, request.At, request.Purpose, request.CallerId, out var problem);
        if (template is null)
        {
            return problem!;
        }
        if (!runtime.IsRunning)
        {
            return Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
        }

        var forwardedBatch = http.RequestServices.GetRequiredService<ClusterToken>().Matches(http.Request.Headers[ForwardedHeader].ToString());
        var results = new BatchItem?[subjects.Count];
        var remote = new Dictionary<int, List<int>>();
        var latestConsultation = runtime.LatestConsultation();
        for (var i = 0; i < subjects.Count; i++)
        {
            var located = checks.Locate(subjects[i], template.Channel);
            if (located is null || checks.OwnsPartition(located.Value.Partition))
            {
                results[i] = Item(i, subjects[i], checks.Answer(template with { Subject = subjects[i] }, located, latestConsultation));
            }
            else if (forwardedBatch || !peers.HasPeers)
            {
                results[i] = new BatchItem(i, subjects[i], "UNAVAILABLE", [], null, located.Value.Ref, $"partition {located.Value.Partition} is not owned by this instance");
            }
            else
            {
                if (!remote.TryGetValue(located.Value.Partition, out var list))
                {
                    remote[located.Value.Partition] = list = [];
                }
                list.Add(i);
            }
        }
        foreach (var (partition, indexes) in remote)
        {
            var owner = await peers.OwnerOfAsync(partition, cancel);
            BatchAnswer? answer = null;
            if (owner != null)
            {
                var part = request with { CompanyId = template.CompanyId, Subjects = indexes.Select(i => subjects[i]).ToList() };
                using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(owner, "v1/check/batch")) { Content = JsonContent.Create(part) };
                message.Headers.Add(ApiKeyHeader, http.Request.Headers[ApiKeyHeader].ToString());
                message.Headers.Add(ForwardedHeader, http.RequestServices.GetRequiredService<ClusterToken>().Value);
                try
                {
                    using var response = await http.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PeerDirectory)).SendAsync(message, cancel);
                    answer = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<BatchAnswer>(cancel) : null;
                }
                catch (HttpRequestException)
                {
                    peers.Forget(partition);
                }
            }
            for (var j = 0; j < indexes.Count; j++)
            {
                var i = indexes[j];
                results[i] = answer?.Results is { } r && j < r.Count
                    ? r[j] with { Index = i }
                    : new BatchItem(i, subjects[i], "UNAVAILABLE", [], null, null, $"no instance answered for partition {partition}");
            }
        }
        var items = results.Select(r => r!).ToList();
        return Results.Ok(new BatchAnswer(
            items.Count,
            items.Count(r => r.Outcome == "ALLOWED"),
            items.Count(r => r.Outcome == "BLOCKED"),
            items.Count(r => r.Outcome == "UNAVAILABLE"),
            items));
    }

    private static BatchItem Item(int index, string subject, CheckAnswer a) => new(index, subject, a.Outcome, a.Reasons, a.Basis, a.SubjectRef, null);

    private static CheckQuery? Parse(string? subject, string? companyId, string? channel, string? at, string? purpose, string? callerId, out IResult? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(subject))
        {
            problem = Bad("'subject' is required");
            return null;
        }
        if (string.IsNullOrWhiteSpace(companyId))
        {
            problem = Bad("'companyId' is required");
            return null;
        }
        if (!Enum.TryParse<Channel>(channel ?? nameof(Channel.PHONE), ignoreCase: true, out var ch) || !Enum.IsDefined(ch) || int.TryParse(channel, out _))
        {
            problem = Bad("'channel' must be PHONE or POSTAL_MAIL");
            return null;
        }
        if (!Enum.TryParse<Purpose>(purpose ?? nameof(Purpose.PROMOTIONAL), ignoreCase: true, out var pu) || !Enum.IsDefined(pu) || int.TryParse(purpose, out _))
        {
            problem = Bad("'purpose' must be PROMOTIONAL, MARKET_RESEARCH or SERVICE");
            return null;
        }
        var when = SystemClock.Instance.GetCurrentInstant();
        if (!string.IsNullOrWhiteSpace(at))
        {
            var parsed = OffsetDateTimePattern.ExtendedIso.Parse(at);
            if (!parsed.Success)
            {
                problem = Bad("'at' must be an ISO-8601 time with an offset, for example 2026-03-10T10:00:00+01:00");
                return null;
            }
            when = parsed.Value.ToInstant();
        }
        return new CheckQuery(subject, companyId, ch, pu, when, callerId);
    }

    internal static IResult Bad(string detail) => Results.Problem(title: "Bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    internal static IResult Forbidden(string companyId) =>
        Results.Problem(title: "Forbidden", detail: $"this API key does not answer for company '{companyId}'", statusCode: StatusCodes.Status403Forbidden);

    private static IResult Unavailable(string detail) =>
        Results.Problem(title: "Not available", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>A batch request (JSON).</summary>
    public sealed record BatchRequest(string? CompanyId, string? Channel, string? Purpose, string? At, string? CallerId, List<string>? Subjects);

    /// <summary>One subject's answer in a batch, in the order sent.</summary>
    public sealed record BatchItem(int Index, string Subject, string Outcome, IReadOnlyList<string> Reasons, string? Basis, string? SubjectRef, string? Error);

    /// <summary>A batch's answers and counts.</summary>
    public sealed record BatchAnswer(int Total, int Allowed, int Blocked, int Unavailable, IReadOnlyList<BatchItem> Results);
}

/// <summary>401 without a known X-Api-Key, 403 when it asks about another company; both as problem+json.</summary>
public sealed class ApiKeyFilter : IEndpointFilter
{
    public const string CompanyItem = "rpo.companyId";

    private readonly ApiSettings settings;

    public ApiKeyFilter(ApiSettings settings)
    {
        this.settings = settings;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[CheckEndpoints.ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(key) || !settings.Keys.TryGetValue(key, out var company))
        {
            http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            return Results.Problem(
                title: "Unauthorized",
                detail: string.IsNullOrEmpty(key) ? "send an API key in the X-Api-Key header" : "this API key is not known (Api:Keys)",
                statusCode: StatusCodes.Status401Unauthorized);
        }
        var asked = http.Request.Query["companyId"].ToString();
        if (asked.Length > 0 && !string.Equals(asked, company, StringComparison.Ordinal))
        {
            return CheckEndpoints.Forbidden(asked);
        }
        http.Items[CompanyItem] = company;
        return await next(context);
    }
}

/// <summary>
/// Proves a request comes from another instance of the gate (a forwarded query is not rate-limited again):
/// HMAC-SHA256 of a fixed label under the subject-hash secret, which every instance shares.
/// </summary>
public sealed class ClusterToken
{
    private ClusterToken(string value)
    {
        Value = value;
    }

    public string Value { get; }

    public static ClusterToken From(string secret) =>
        new(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), "rpo-gate-peer-v1"u8)));

    public bool Matches(string? presented) =>
        presented is { Length: > 0 } && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(presented), System.Text.Encoding.ASCII.GetBytes(Value));
}
