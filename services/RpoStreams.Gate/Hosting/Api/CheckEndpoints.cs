using System.Net.Http.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using RpoStreams.Policy.Subjects;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// The real-time check API: <c>GET /v1/check</c> and <c>POST /v1/check/batch</c>. Answers come from the
/// state stores of the instance that owns the subject's partition (a query reaching another instance is
/// forwarded there), nothing is recorded, and a key sees its own company only.
/// </summary>
public static class CheckEndpoints
{
    public const string ApiKeyHeader = "X-Api-Key";
    private const string RateLimitPolicy = "per-api-key";

    public static IServiceCollection AddCheckApi(this IServiceCollection services, ApiSettings settings)
    {
        services.AddSingleton(new PeerCredentials(settings.PeerSecret));
        services.AddSingleton(settings);
        services.AddSingleton<ClientErrors>();
        services.AddSingleton<CheckService>();
        services.AddSingleton<PeerDirectory>();
        services.AddHttpClient(nameof(PeerDirectory), c => c.Timeout = TimeSpan.FromSeconds(5));
        // No `servers` in the document: it would echo the Host header of whoever asked.
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [];
            return Task.CompletedTask;
        }));
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // No request body anywhere may be larger than the largest batch.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = settings.MaxBatchBytes);
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimitPolicy, http =>
            {
                if (http.Items.ContainsKey(PeerCredentials.VerifiedItem))
                {
                    // Signed by another instance (PeerCredentials), counted where it entered the cluster.
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
        app.Use(PeerAuthenticationAsync);
        app.UseRateLimiter();
        app.MapOpenApi();
        var settings = app.Services.GetRequiredService<ApiSettings>();
        if (settings.HasPeers && app.Services.GetRequiredService<PeerCredentials>().IsEphemeral)
        {
            app.Logger.LogWarning("Api:Peers or Api:PeerDns is set without Api:PeerSecret: this instance does not forward check queries (set the same Api__PeerSecret on every instance)");
        }

        var api = app.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>().RequireRateLimiting(RateLimitPolicy).WithTags("check");
        api.MapGet("/check", CheckAsync)
            .WithName("Check")
            .WithSummary("What the gate would decide for one contact now")
            .WithDescription("Answers from the gate's state (register, consents, contact history, latest consultation) with the policy the stream uses; nothing is recorded and no decision is published. Without callerId the CALLER_ID_INVALID rule is not evaluated (listed in notEvaluated). Each parameter at most once; subject at most 64 characters (PHONE) or 512 (POSTAL_MAIL), companyId 128, callerId 64; at within Intake:EarliestEventTime..Intake:LatestEventTime.")
            .Produces<CheckAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/check/batch", BatchAsync)
            .WithName("CheckBatch")
            .WithSummary("Scrub a call list of up to Api:MaxBatchSubjects subjects")
            .WithDescription("Body (UTF-8, uncompressed, at most Api:MaxBatchBytes): JSON {companyId, channel, purpose, at, callerId, subjects: [...]}, or text/csv with one subject per line (an optional header line 'subject'; companyId, channel, purpose, at and callerId then come from the query string). Any other Content-Type, charset or Content-Encoding is 415.")
            .Accepts<BatchRequest>("application/json", "text/csv")
            .Produces<BatchAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        app.MapGet("/internal/v1/partitions", (HttpContext http, GateRuntime runtime) =>
                http.Items.ContainsKey(PeerCredentials.VerifiedItem)
                    ? Results.Ok(new PeerDirectory.PartitionsAnswer(Environment.MachineName, runtime.OwnedPartitions.ToList(), runtime.State))
                    : Results.Problem(title: "Unauthorized", detail: $"for the gate's own instances only (a signed {PeerCredentials.Header} header)", statusCode: StatusCodes.Status401Unauthorized))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>A request carrying a peer header is refused 401 unless the signature is valid and new; a valid one marks it forwarded.</summary>
    private static async Task PeerAuthenticationAsync(HttpContext http, RequestDelegate next)
    {
        var header = http.Request.Headers[PeerCredentials.Header];
        if (header.Count > 0)
        {
            var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? string.Empty;
            var target = !raw.StartsWith('/') && Uri.TryCreate(raw, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : raw;
            var verdict = header.Count == 1
                ? http.RequestServices.GetRequiredService<PeerCredentials>().Verify(header[0], http.Request.Method, target, http.Request.Headers[ApiKeyHeader].ToString())
                : PeerVerdict.Malformed;
            if (verdict != PeerVerdict.Valid)
            {
                http.Response.Headers.WWWAuthenticate = "RpoPeer";
                var refusal = http.RequestServices.GetRequiredService<ClientErrors>().Refuse(
                    StatusCodes.Status401Unauthorized, "peer-" + verdict.ToString().ToLowerInvariant(), "Unauthorized",
                    $"the {PeerCredentials.Header} header is for the gate's own instances, and this one is not valid ({verdict})");
                await refusal.ExecuteAsync(http);
                return;
            }
            http.Items[PeerCredentials.VerifiedItem] = true;
        }
        await next(http);
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
        GateConfiguration config,
        ClientErrors errors,
        CancellationToken cancel)
    {
        var query = CheckInput.Parse(subject, companyId, channel, at, purpose, callerId, config.Intake, SystemClock.Instance.GetCurrentInstant(), out var problem);
        if (query is null)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, "bad-parameter", "Bad request", problem!);
        }
        var located = checks.Locate(query.Subject, query.Channel);
        if (located is null || checks.OwnsPartition(located.Value.Partition))
        {
            return runtime.IsRunning
                ? Results.Ok(checks.Answer(query, located, runtime.LatestConsultation()))
                : Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
        }
        if (http.Items.ContainsKey(PeerCredentials.VerifiedItem) || !peers.HasPeers)
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
        http.RequestServices.GetRequiredService<PeerCredentials>().Sign(request);
        try
        {
            using var response = await http.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PeerDirectory)).SendAsync(request, cancel);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.ToString() == "RpoPeer")
            {
                return Unavailable($"the owner of partition {located.Value.Partition} refused this instance's signature (is Api:PeerSecret the same on every instance?)");
            }
            var body = await response.Content.ReadAsStringAsync(cancel);
            return Results.Content(body, response.Content.Headers.ContentType?.ToString() ?? "application/json", statusCode: (int)response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            peers.Forget(located.Value.Partition);
            return Unavailable($"the owner of partition {located.Value.Partition} did not answer: {e.Message}");
        }
    }

    private static async Task<IResult> BatchAsync(HttpContext http, CheckService checks, PeerDirectory peers, GateRuntime runtime, ApiSettings settings, GateConfiguration config, ClientErrors errors, CancellationToken cancel)
    {
        var (request, bodyProblem) = await BatchBody.ReadAsync(http, settings, errors, cancel);
        if (bodyProblem != null)
        {
            return bodyProblem;
        }
        if (request?.Subjects is not { Count: > 0 } subjects)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, "bad-parameter", "Bad request", "'subjects' is empty");
        }
        if (subjects.Count > settings.MaxBatchSubjects)
        {
            return errors.Refuse(StatusCodes.Status413PayloadTooLarge, "batch-too-large", "Batch too large", $"{subjects.Count} subjects; at most {settings.MaxBatchSubjects} per batch (Api:MaxBatchSubjects)");
        }
        if (http.Items[ApiKeyFilter.CompanyItem] is string keyCompany && request.CompanyId is { } asked && asked != keyCompany)
        {
            return Forbidden(asked);
        }
        var template = CheckInput.Parse("x", request.CompanyId ?? http.Items[ApiKeyFilter.CompanyItem] as string, request.Channel, request.At, request.Purpose, request.CallerId, config.Intake, SystemClock.Instance.GetCurrentInstant(), out var problem);
        for (var i = 0; template != null && problem is null && i < subjects.Count; i++)
        {
            // Before any subject is normalized.
            problem = CheckInput.SubjectTooLong(i, subjects[i], template.Channel);
        }
        if (template is null || problem != null)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, "bad-parameter", "Bad request", problem!);
        }
        if (!runtime.IsRunning)
        {
            return Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
        }

        var forwardedBatch = http.Items.ContainsKey(PeerCredentials.VerifiedItem);
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
                http.RequestServices.GetRequiredService<PeerCredentials>().Sign(message);
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

    internal static IResult Forbidden(string companyId) =>
        Results.Problem(
            title: "Forbidden",
            detail: $"this API key does not answer for company '{(companyId.Length > InputLimits.Id ? companyId[..InputLimits.Id] + "..." : companyId)}'",
            statusCode: StatusCodes.Status403Forbidden);

    private static IResult Unavailable(string detail) =>
        Results.Problem(title: "Not available", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>A batch request (JSON).</summary>
    public sealed record BatchRequest(string? CompanyId, string? Channel, string? Purpose, string? At, string? CallerId, List<string>? Subjects);

    /// <summary>One subject's answer in a batch, in the order sent.</summary>
    public sealed record BatchItem(int Index, string Subject, string Outcome, IReadOnlyList<string> Reasons, string? Basis, string? SubjectRef, string? Error);

    /// <summary>A batch's answers and counts.</summary>
    public sealed record BatchAnswer(int Total, int Allowed, int Blocked, int Unavailable, IReadOnlyList<BatchItem> Results);
}
