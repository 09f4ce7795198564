using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// The check API in the host: its services (per-key rate limit, body limit, OpenAPI document, problem
/// responses, the peers), the authentication of requests forwarded by other instances, and its routes
/// (<see cref="CheckEndpoints"/> for what they answer).
/// </summary>
public static class CheckApi
{
    public const string RateLimitPolicy = "per-api-key";

    public static IServiceCollection AddCheckApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new PeerCredentials(sp.GetRequiredService<ApiSettings>().PeerSecret));
        services.AddSingleton<ClientErrors>();
        services.AddSingleton<CheckService>();
        services.AddSingleton<BatchSlots>();
        services.AddSingleton<PeerDirectory>();
        services.AddHttpClient(PeerClient.HttpClientName, c => c.Timeout = System.Threading.Timeout.InfiniteTimeSpan);
        // No `servers` in the document: it would echo the Host header of whoever asked.
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [];
            return Task.CompletedTask;
        }));
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<StateMovingExceptionHandler>();
        // No request body anywhere may be larger than the largest batch. Kestrel is built with the host, before the
        // settings are validated, so it reads the value as given; one out of range or unreadable is left to the
        // validation, which stops start-up with its line before Kestrel listens (Kestrel itself would throw on a
        // negative one, the binder on one that is not a number).
        services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            var bound = long.TryParse(configuration["Api:MaxBatchBytes"], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var given)
                ? given
                : new ApiSettings().MaxBatchBytes;
            if (bound >= ApiSettings.MinBatchBytes && bound <= ApiSettings.MaxBatchBytesLimit)
            {
                kestrel.Limits.MaxRequestBodySize = bound;
            }
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiSettings>>((limiter, api) => LimitPerKey(limiter, api.Value.RequestsPerSecond, api.Value.Keys));
        return services;
    }

    public static WebApplication MapCheckApi(this WebApplication app)
    {
        app.Use(PeerAuthenticationAsync);
        app.UseRateLimiter();
        app.MapOpenApi();
        if (app.Services.GetRequiredService<ApiSettings>().HasPeers && app.Services.GetRequiredService<PeerCredentials>().IsEphemeral)
        {
            app.Logger.LogWarning("Api:Peers or Api:PeerDns is set without Api:PeerSecret: this instance does not forward check queries (set the same Api__PeerSecret on every instance)");
        }
        CheckEndpoints.Map(app.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>().RequireRateLimiting(RateLimitPolicy).WithTags("check"));
        app.MapGet(PeerDirectory.PartitionsPath, (HttpContext http, GateRuntime runtime) =>
                PeerCredentials.IsVerified(http)
                    ? Results.Ok(new PeerDirectory.PartitionsAnswer(Environment.MachineName, runtime.OwnedPartitions.ToList(), runtime.State))
                    : Results.Problem(title: "Unauthorized", detail: $"for the gate's own instances only (a signed {PeerCredentials.Header} header)", statusCode: StatusCodes.Status401Unauthorized))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// A token bucket per API key (bursts up to one second's worth); a query signed by another instance was counted where
    /// it entered. Keys not configured share one bucket: a bucket per made-up key would let a caller fill memory.
    /// </summary>
    private static void LimitPerKey(RateLimiterOptions limiter, int requestsPerSecond, IReadOnlyDictionary<string, string> keys)
    {
        limiter.AddPolicy(RateLimitPolicy, http =>
        {
            if (PeerCredentials.IsVerified(http))
            {
                return RateLimitPartition.GetNoLimiter("forwarded");
            }
            var key = http.Request.Headers[CheckEndpoints.ApiKeyHeader].ToString();
            key = keys.ContainsKey(key) ? key : UnknownKeys;
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = requestsPerSecond,
                TokensPerPeriod = requestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        limiter.OnRejected = async (context, cancel) =>
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            await context.HttpContext.RequestServices.GetRequiredService<ClientErrors>().Refuse(
                StatusCodes.Status429TooManyRequests, ClientErrors.RateLimited, "Too many requests",
                $"This API key may make {requestsPerSecond} requests per second (Api:RequestsPerSecond).").ExecuteAsync(context.HttpContext);
        };
    }

    /// <summary>The rate-limit partition of every key not in <c>Api:Keys</c> (no configured key is empty).</summary>
    private const string UnknownKeys = "";

    /// <summary>A request carrying a peer header is refused 401 unless the signature is valid and new; a valid one marks it forwarded.</summary>
    private static async Task PeerAuthenticationAsync(HttpContext http, RequestDelegate next)
    {
        var header = http.Request.Headers[PeerCredentials.Header];
        if (header.Count > 0)
        {
            var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? string.Empty;
            var target = !raw.StartsWith('/') && Uri.TryCreate(raw, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : raw;
            // The body's digest is signed: checked here without reading the body, compared with the body where it is read.
            var digest = http.Request.Headers[PeerCredentials.BodyHeader];
            var verdict = header.Count == 1 && digest.Count <= 1
                ? http.RequestServices.GetRequiredService<PeerCredentials>().Verify(
                    header[0], http.Request.Method, target, http.Request.Headers[CheckEndpoints.ApiKeyHeader].ToString(), digest.Count == 1 ? digest[0] : null)
                : PeerVerdict.Malformed;
            if (verdict != PeerVerdict.Valid)
            {
                http.Response.Headers.WWWAuthenticate = PeerCredentials.Scheme;
                var refusal = http.RequestServices.GetRequiredService<ClientErrors>().Refuse(
                    StatusCodes.Status401Unauthorized, ClientErrors.PeerReason(verdict), "Unauthorized",
                    $"the {PeerCredentials.Header} header is for the gate's own instances, and this one is not valid ({verdict})");
                await refusal.ExecuteAsync(http);
                return;
            }
            http.Items[PeerCredentials.VerifiedItem] = true;
            http.Items[PeerCredentials.BodyDigestItem] = digest.Count == 1 ? digest[0] : PeerCredentials.NoBody;
        }
        await next(http);
    }
}
