using Microsoft.AspNetCore.Mvc;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Policy.Subjects;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// The real-time check API: <c>GET /v1/check</c> and <c>POST /v1/check/batch</c>. Answers come from the
/// state stores of the instance that owns the subject's partition (a query reaching another instance is
/// forwarded there, <see cref="PeerDirectory.ForwardAsync"/>), nothing is recorded, and a key sees its own
/// company only (<see cref="ApiKeyFilter"/>).
/// </summary>
public static class CheckEndpoints
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/check", CheckAsync)
            .WithName("Check")
            .WithSummary("What the gate would decide for one contact now")
            .WithDescription("Answers from the gate's state (register, consents, contact history, latest consultation) with the policy the stream uses; nothing is recorded and no decision is published. Without callerId the CALLER_ID_INVALID rule is not evaluated (listed in notEvaluated). Each parameter at most once; subject at most 64 characters (PHONE) or 512 (POSTAL_MAIL), companyId 128, callerId 64; at within Intake:EarliestEventTime..Intake:LatestEventTime, at most Intake:MaxPastSkewDays (less Intake:MaxClockAheadMinutes and a minute) before and Intake:MaxFutureSkewDays after now.")
            .Produces<CheckAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/check/batch", BatchAsync)
            .WithName("CheckBatch")
            .WithSummary("Scrub a call list of up to Api:MaxBatchSubjects subjects")
            .WithDescription("Body (UTF-8, uncompressed, at most Api:MaxBatchBytes): JSON {companyId, channel, purpose, at, callerId, subjects: [...]} (companyId defaults to the key's company; the five fields in the query string with it are 400, or 403 for a companyId not the key's), or text/csv with one subject per line (an optional header line 'subject'; companyId, channel, purpose, at and callerId then come from the query string). Each field within the limits of GET /v1/check. Any other Content-Type, charset or Content-Encoding is 415. Without callerId a PHONE batch leaves CALLER_ID_INVALID unevaluated (listed in notEvaluated, for every answer). An instance answers batches on half its cores at most and holds four in flight for each, from before the body is read; one that waits 10 s to be admitted, or then 10 s for its turn, is 503. Over HTTP/1.1, after 5 s, a client must send the body at 64 KB/s at least, else 408, and read the answer as fast, else its connection is closed.")
            .Accepts<BatchRequest>("application/json", "text/csv")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                foreach (var name in (string[])["companyId", "channel", "purpose", "at", "callerId"])
                {
                    operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                    {
                        Name = name,
                        In = Microsoft.OpenApi.ParameterLocation.Query,
                        Description = "text/csv bodies only: as the JSON body's field of that name",
                        Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
                    });
                }
                return Task.CompletedTask;
            })
            .Produces<BatchAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
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
        if (UnknownParameter(http.Request.Query, CheckParameters) is { } unknown)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", unknown);
        }
        var forwarded = PeerCredentials.IsVerified(http);
        var query = CheckInput.Parse(subject, companyId, channel, at, purpose, callerId, config.Intake, SystemClock.Instance.GetCurrentInstant(), forwarded, out var problem);
        if (query is null)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", problem!);
        }
        var located = checks.Locate(query.Subject, query.Channel);
        if (located is null || checks.OwnsPartition(located.Value.Partition))
        {
            return runtime.IsRunning
                ? Results.Ok(checks.Answer(query, located, runtime.LatestConsultation()))
                : Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
        }
        if (forwarded || !peers.HasPeers)
        {
            return Unavailable($"partition {located.Value.Partition} of this subject is not owned by this instance (a rebalance may be in progress)");
        }
        var reply = await peers.ForwardAsync(
            located.Value.Partition, owner => new HttpRequestMessage(HttpMethod.Get, new Uri(owner, "v1/check" + http.Request.QueryString)), ApiKeyOf(http), cancel);
        return reply.Problem is { } forwardProblem
            ? Unavailable(forwardProblem)
            : Results.Content(reply.Body, reply.ContentType ?? "application/json", statusCode: reply.Status);
    }

    private static readonly string[] CheckParameters = ["subject", "companyId", "channel", "purpose", "at", "callerId"];

    /// <summary>
    /// Why the query string is refused when it has a parameter the endpoint does not read (a misspelt or guessed one, such as
    /// <c>scheduledAt</c> for <c>at</c>, was ignored and the answer given for something else); null when it has none. Names
    /// are matched as ASP.NET binds them, in any case; an unknown one is named masked and cut short.
    /// </summary>
    internal static string? UnknownParameter(IQueryCollection query, IReadOnlyCollection<string> known)
    {
        foreach (var name in query.Keys)
        {
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                // Masked whole, then cut: a number cut first would show most of its digits.
                var masked = LogSafe.Text(name);
                var shown = masked.Length > 40 ? masked[..40] + "…" : masked;
                return known.Count == 0
                    ? $"'{shown}' is in the query string: a JSON body gives its fields itself (the query string is read for text/csv bodies only)"
                    : $"'{shown}' is not a parameter of this endpoint (it reads {string.Join(", ", known)})";
            }
        }
        return null;
    }

    private static async Task<IResult> BatchAsync(HttpContext http, CheckService checks, PeerDirectory peers, GateRuntime runtime, ApiSettings settings, GateConfiguration config, ClientErrors errors, BatchSlots slots, CancellationToken cancel)
    {
        var forwardedBatch = PeerCredentials.IsVerified(http);
        if (!forwardedBatch)
        {
            // Held until the answer is written (the response disposes it), and a client that sends or reads slowly
            // holds it for bounded time: a body or an answer of 4 MiB at 64 KB/s takes about a minute.
            if (await slots.AdmitAsync(cancel) is not { } admission)
            {
                return Unavailable($"too many batches are in flight (at most {slots.InFlight} at once): none was answered within {(int)slots.Wait.TotalSeconds} s; retry");
            }
            http.Response.RegisterForDispose(admission);
            BatchSlots.RequireDataRate(http);
        }
        var (request, bodyProblem) = await BatchBody.ReadAsync(http, settings, errors, cancel);
        if (bodyProblem != null)
        {
            return bodyProblem;
        }
        if (request?.Subjects is not { Count: > 0 } subjects)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", "'subjects' is empty");
        }
        if (subjects.Count > settings.MaxBatchSubjects)
        {
            return errors.Refuse(StatusCodes.Status413PayloadTooLarge, ClientErrors.BatchTooLarge, "Batch too large", $"{subjects.Count} subjects; at most {settings.MaxBatchSubjects} per batch (Api:MaxBatchSubjects)");
        }
        if (http.Items[ApiKeyFilter.CompanyItem] is string keyCompany && request.CompanyId is { } asked && asked != keyCompany)
        {
            return OtherCompany(asked, errors);
        }
        var template = CheckInput.Parse("x", request.CompanyId ?? http.Items[ApiKeyFilter.CompanyItem] as string, request.Channel, request.At, request.Purpose, request.CallerId, config.Intake, SystemClock.Instance.GetCurrentInstant(), forwardedBatch, out var problem);
        for (var i = 0; template != null && problem is null && i < subjects.Count; i++)
        {
            // Before any subject is normalized.
            problem = CheckInput.SubjectTooLong(i, subjects[i], template.Channel);
        }
        if (template is null || problem != null)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", problem!);
        }
        var results = new BatchItem?[subjects.Count];
        var remote = new Dictionary<int, List<int>>();
        // A part forwarded by a peer waits less than the peer waits for its answer.
        var wait = forwardedBatch ? PeerClient.Timeout / 2 : slots.Wait;
        using (var slot = await slots.EnterAsync(wait, cancel))
        {
            if (slot is null)
            {
                return Unavailable($"too many batches are being answered at once: none came free within {(int)wait.TotalSeconds} s; retry");
            }
            // Read once the slot is held: the wait may have seen a rebalance or a new consultation.
            if (!runtime.IsRunning)
            {
                return Unavailable($"the gate is {runtime.State}: its state is not queryable yet");
            }
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
        }
        // The slot is given back before the peers are asked (see BatchSlots). Answered for this batch's time, which the
        // answer reports, not for the peer's own now.
        if (remote.Count > 0)
        {
            await BatchParts.AskOwnersAsync(
                peers, request with { CompanyId = template.CompanyId, At = request.At ?? CheckService.TimeOf(template), Subjects = null },
                subjects, remote, results, settings.MaxBatchBytes, ApiKeyOf(http), cancel);
        }
        var items = results.Select(r => r!).ToList();
        return Results.Ok(new BatchAnswer(
            items.Count,
            items.Count(r => r.Outcome == "ALLOWED"),
            items.Count(r => r.Outcome == "BLOCKED"),
            items.Count(r => r.Outcome == "UNAVAILABLE"),
            checks.PolicyVersion,
            CheckService.TimeOf(template),
            CheckService.NotEvaluated(template),
            items));
    }

    private static BatchItem Item(int index, string subject, CheckAnswer a) => new(index, subject, a.Outcome, a.Reasons, a.Basis, a.SubjectRef, null);

    /// <summary>A companyId that is not the key's: 403, or 400 when no company could have it (too long). Neither repeats it (it may be anything, a number too).</summary>
    internal static IResult OtherCompany(string companyId, ClientErrors errors) =>
        InputLimits.TooLong("companyId", companyId, InputLimits.Id) is { } tooLong
            ? errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.BadParameter, "Bad request", tooLong)
            : errors.Refuse(StatusCodes.Status403Forbidden, ClientErrors.OtherCompany, "Forbidden", "this API key does not answer for the companyId asked about");

    private static string ApiKeyOf(HttpContext http) => http.Request.Headers[ApiKeyHeader].ToString();

    private static IResult Unavailable(string detail) =>
        Results.Problem(title: "Not available", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>A batch request (JSON).</summary>
    public sealed record BatchRequest(string? CompanyId, string? Channel, string? Purpose, string? At, string? CallerId, List<string>? Subjects);

    /// <summary>One subject's answer in a batch, in the order sent.</summary>
    public sealed record BatchItem(int Index, string Subject, string Outcome, IReadOnlyList<string> Reasons, string? Basis, string? SubjectRef, string? Error);

    /// <summary>A batch's answers and counts, with what every answer shares: the policy, the time and the rules left out (as a single check's).</summary>
    public sealed record BatchAnswer(
        int Total, int Allowed, int Blocked, int Unavailable, string PolicyVersion, string DecisionTime, IReadOnlyList<string> NotEvaluated, IReadOnlyList<BatchItem> Results);
}
