using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Diagnostics;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Requests refused as the client's fault (no key or an unknown one, another company's, over the key's rate, a bad,
/// oversized, slow or mislabelled body, a forged peer header):
/// each is counted in <c>rpo_api_refused_total{status,reason}</c>, and the log gets at most one Warning line per
/// <see cref="LogEvery"/> saying how many there were, with no stack trace, so that no client can fill the log.
/// </summary>
public sealed class ClientErrors
{
    public static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private readonly Counter<long> refused;
    private readonly ILogger<ClientErrors> logger;
    private long nextLog;
    private long unlogged;

    // The reasons a refusal is counted under (the reason label of rpo_api_refused_total).
    public const string BadParameter = "bad-parameter";
    public const string RepeatedParameter = "repeated-parameter";
    public const string BadJson = "bad-json";
    public const string BadCsv = "bad-csv";
    public const string BadFraming = "bad-framing";
    public const string BodyTooSlow = "body-too-slow";
    public const string BodyTooLarge = "body-too-large";
    public const string BatchTooLarge = "batch-too-large";
    public const string ContentEncoding = "content-encoding";
    public const string ContentType = "content-type";
    public const string Charset = "charset";
    public const string NoKey = "no-key";
    public const string UnknownKey = "unknown-key";
    public const string OtherCompany = "other-company";
    public const string RateLimited = "rate-limited";

    /// <summary>Every status and reason a refusal is counted under (each exported at 0 from the start).</summary>
    public static readonly IReadOnlyList<(int Status, string Reason)> Known =
    [
        (StatusCodes.Status400BadRequest, BadParameter),
        (StatusCodes.Status400BadRequest, RepeatedParameter),
        (StatusCodes.Status400BadRequest, BadJson),
        (StatusCodes.Status400BadRequest, BadCsv),
        (StatusCodes.Status400BadRequest, BadFraming),
        (StatusCodes.Status401Unauthorized, NoKey),
        (StatusCodes.Status401Unauthorized, UnknownKey),
        .. Enum.GetValues<PeerVerdict>().Where(v => v != PeerVerdict.Valid).Select(v => (StatusCodes.Status401Unauthorized, PeerReason(v))),
        (StatusCodes.Status403Forbidden, OtherCompany),
        (StatusCodes.Status408RequestTimeout, BodyTooSlow),
        (StatusCodes.Status413PayloadTooLarge, BodyTooLarge),
        (StatusCodes.Status413PayloadTooLarge, BatchTooLarge),
        (StatusCodes.Status415UnsupportedMediaType, ContentEncoding),
        (StatusCodes.Status415UnsupportedMediaType, ContentType),
        (StatusCodes.Status415UnsupportedMediaType, Charset),
        (StatusCodes.Status429TooManyRequests, RateLimited),
    ];

    public ClientErrors(ILogger<ClientErrors> logger, IMeterFactory? meters = null)
    {
        var meter = meters?.Create(GateMetrics.MeterName) ?? new Meter(GateMetrics.MeterName);
        refused = meter.CreateCounter<long>("rpo_api_refused_total", description: "HTTP requests refused as client errors, by status and reason");
        this.logger = logger;
        foreach (var (status, reason) in Known)
        {
            refused.Add(0, Tags(status, reason));
        }
    }

    /// <summary>The reason a refused peer header is counted under.</summary>
    public static string PeerReason(PeerVerdict verdict) => "peer-" + verdict.ToString().ToLowerInvariant();

    /// <summary>Counts one refusal; <paramref name="reason"/> is a fixed code, never request content.</summary>
    public void Count(int status, string reason)
    {
        refused.Add(1, Tags(status, reason));
        var count = Interlocked.Increment(ref unlogged);
        var now = Environment.TickCount64;
        var due = Interlocked.Read(ref nextLog);
        if (now >= due && Interlocked.CompareExchange(ref nextLog, now + (long)LogEvery.TotalMilliseconds, due) == due)
        {
            count = Interlocked.Exchange(ref unlogged, 0);
            logger.LogWarning(
                "Refused {Count} HTTP requests as client errors since the last such line, the latest {Status} {Reason} (rpo_api_refused_total counts them by status and reason)",
                count, status, reason);
        }
    }

    private static TagList Tags(int status, string reason) => new() { { "status", status }, { "reason", reason } };

    /// <summary>A problem+json refusal, counted.</summary>
    public IResult Refuse(int status, string reason, string title, string detail)
    {
        Count(status, reason);
        return Results.Problem(title: title, detail: detail, statusCode: status);
    }
}

/// <summary>
/// Kestrel's own refusals thrown while a body is read (413 too large, 408 too slow, 400 malformed framing)
/// become problem+json answers with their status, counted by <see cref="ClientErrors"/>: not a 500, and no
/// Error line with a stack trace. Any other exception is left to the exception handler's 500.
/// </summary>
public sealed class BadRequestExceptionHandler(ClientErrors errors, IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }
        errors.Count(bad.StatusCode, ReasonOf(bad.StatusCode));
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = bad.StatusCode, Detail = DetailOf(bad.StatusCode) },
        });
    }

    internal static string ReasonOf(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => ClientErrors.BodyTooSlow,
        StatusCodes.Status413PayloadTooLarge => ClientErrors.BodyTooLarge,
        _ => ClientErrors.BadFraming,
    };

    internal static string TitleOf(int status) => status == StatusCodes.Status408RequestTimeout ? "Request Timeout" : "Bad request";

    internal static string DetailOf(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => "the request body arrived too slowly",
        StatusCodes.Status413PayloadTooLarge => "the request body is larger than this endpoint accepts (Api:MaxBatchBytes)",
        _ => "the request could not be read",
    };
}
