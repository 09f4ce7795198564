using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using RpoStreams.Records;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The check API of gate processes on `rpo devkafka`: keys, companies, rate limit, answers from state,
/// batches, routing between two instances, the OpenAPI document; and a log with no raw number in it.
/// </summary>
public sealed class CheckApiProcessTests(CheckApiRig rig) : IClassFixture<CheckApiRig>
{
    private const string AcmeKey = CheckApiRig.AcmeKey;
    private const string BetaKey = CheckApiRig.BetaKey;
    private static HttpClient Http => CheckApiRig.Http;

    private DevKafkaProcess kafka => rig.Kafka;
    private GateProcess first => rig.First;
    private GateProcess second => rig.Second;
    private List<string> registered => rig.Registered;
    private List<string> free => rig.Free;
    private string consented => rig.Consented;
    private string at => rig.At;

    private static string Url(GateProcess gate, string path) => $"http://127.0.0.1:{gate.Port}{path}";

    private string CheckUrl(GateProcess gate, string subject, string company = "ACME", string extra = "") =>
        Url(gate, $"/v1/check?subject={Uri.EscapeDataString(subject)}&companyId={company}&callerId=%2B390212345678&at={Uri.EscapeDataString(at)}{extra}");

    private static async Task<(HttpStatusCode Status, string? ContentType, JsonElement Body)> GetAsync(string url, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key != null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Without_a_known_key_the_answer_is_401_problem_json()
    {
        var none = await GetAsync(CheckUrl(first, free[0]), null);
        var unknown = await GetAsync(CheckUrl(first, free[0]), "not-a-key-0123456789");

        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal("application/problem+json", none.ContentType);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        await AssertCountedAsync(first, 401, "no-key");
        await AssertCountedAsync(first, 401, "unknown-key");
    }

    /// <summary>
    /// Every refusal the client causes is counted (401, 403 and 429 were not). Waited for: the exporter answers a scrape
    /// within 300 ms of another from what it collected then.
    /// </summary>
    private static async Task AssertCountedAsync(GateProcess gate, int status, string reason)
    {
        var counted = new System.Text.RegularExpressions.Regex($"rpo_api_refused_total\\{{(?=[^}}]*reason=\"{reason}\")(?=[^}}]*status=\"{status}\")[^}}]*\\}} [1-9]");
        using var tick = Signal.Every(TimeSpan.FromMilliseconds(200));
        await Wait.UntilAsync(
            async () => counted.IsMatch(await Http.GetStringAsync(Url(gate, "/metrics"), TestContext.Current.CancellationToken)),
            tick, TimeSpan.FromSeconds(10), $"rpo_api_refused_total{{reason=\"{reason}\",status=\"{status}\"}} above 0", TestContext.Current.CancellationToken);
    }

    /// <summary>A companyId longer than any company's is a bad parameter, not another company (it was 403, repeating it).</summary>
    [Fact]
    public async Task A_company_id_past_the_length_of_any_is_400()
    {
        var answer = await GetAsync(CheckUrl(first, free[0], company: new string('A', InputLimits.Id + 1)), BetaKey);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal($"'companyId' is {InputLimits.Id + 1} characters long; at most {InputLimits.Id} are accepted", answer.Body.GetProperty("detail").GetString());
    }

    /// <summary>The query string is read for CSV bodies only: with a JSON body its purpose was ignored and its companyId was not.</summary>
    [Fact]
    public async Task A_json_batch_with_its_fields_in_the_query_string_is_400()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var json = new HttpRequestMessage(HttpMethod.Post, Url(first, "/v1/check/batch?purpose=SERVICE"))
        {
            Content = JsonContent.Create(new { companyId = "ACME", callerId = "+390212345678", at, subjects = new[] { free[0] } }),
        };
        json.Headers.Add("X-Api-Key", AcmeKey);
        using var response = await Http.SendAsync(json, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'purpose' is in the query string", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_asking_about_another_company_gets_403_that_does_not_repeat_it()
    {
        var answer = await GetAsync(CheckUrl(first, free[0], company: "ACME"), BetaKey);
        var number = await GetAsync(CheckUrl(first, free[0], company: "%2B393339990000"), BetaKey);

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(HttpStatusCode.Forbidden, number.Status);
        Assert.DoesNotContain("3339990000", number.Body.GetRawText(), StringComparison.Ordinal);
        await AssertCountedAsync(first, 403, "other-company");
    }

    [Fact]
    public async Task A_bad_channel_is_400()
    {
        var answer = await GetAsync(CheckUrl(first, free[0], extra: "&channel=FAX"), AcmeKey);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("channel", answer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_come_from_the_gate_state_whichever_instance_is_asked()
    {
        foreach (var gate in new[] { first, second })
        {
            foreach (var number in registered.Skip(1))
            {
                var blocked = await GetAsync(CheckUrl(gate, number), AcmeKey);
                Assert.Equal(HttpStatusCode.OK, blocked.Status);
                Assert.Equal("BLOCKED", blocked.Body.GetProperty("outcome").GetString());
                Assert.Equal(["RPO_OPPOSITION"], blocked.Body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray());
            }
            var allowed = await GetAsync(CheckUrl(gate, consented), AcmeKey);
            Assert.Equal("CONSENT_AFTER_REGISTRATION", allowed.Body.GetProperty("basis").GetString());
            var betaConsent = await GetAsync(CheckUrl(gate, consented, company: "BETA"), BetaKey);
            Assert.Equal("BLOCKED", betaConsent.Body.GetProperty("outcome").GetString());
            foreach (var number in free)
            {
                var notRegistered = await GetAsync(CheckUrl(gate, number), AcmeKey);
                Assert.Equal("NOT_REGISTERED", notRegistered.Body.GetProperty("basis").GetString());
            }
        }
    }

    [Fact]
    public async Task A_time_already_past_is_also_blocked_by_an_objection_known_now()
    {
        // Given a holder who objected to ACME yesterday, asked about a call two days ago (as an intent sent now for that time)
        var past = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Format(rig.TwoDaysAgo.WithOffset(NodaTime.Offset.Zero));

        foreach (var gate in new[] { first, second })
        {
            var answer = await GetAsync(Url(gate, $"/v1/check?subject={Uri.EscapeDataString(rig.Withdrawn)}&companyId=ACME&callerId=%2B390212345678&at={Uri.EscapeDataString(past)}"), AcmeKey);

            // Then the objection counts, as in the stream (it was read only as of two days ago)
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Contains("COMPANY_OPT_OUT", answer.Body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!));
        }
    }

    [Fact]
    public async Task A_batch_in_json_or_csv_gets_one_answer_per_subject_in_order()
    {
        var cancel = TestContext.Current.CancellationToken;
        var subjects = new List<string> { registered[1], free[0], "12345", consented };
        using var json = new HttpRequestMessage(HttpMethod.Post, Url(first, "/v1/check/batch"))
        {
            Content = JsonContent.Create(new { companyId = "ACME", callerId = "+390212345678", at, subjects }),
        };
        json.Headers.Add("X-Api-Key", AcmeKey);
        using var jsonResponse = await Http.SendAsync(json, cancel);
        var jsonText = await jsonResponse.Content.ReadAsStringAsync(cancel);
        Assert.True(jsonResponse.IsSuccessStatusCode, $"{jsonResponse.StatusCode}: {jsonText}");
        var body = JsonDocument.Parse(jsonText).RootElement;

        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Equal(4, body.GetProperty("total").GetInt32());
        var outcomes = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()!).ToArray();
        Assert.Equal(["BLOCKED", "ALLOWED", "BLOCKED", "ALLOWED"], outcomes);

        using var csv = new HttpRequestMessage(HttpMethod.Post, Url(second, $"/v1/check/batch?companyId=ACME&callerId=%2B390212345678&at={Uri.EscapeDataString(at)}"))
        {
            Content = new StringContent("subject\n" + string.Join("\n", subjects), Encoding.UTF8, "text/csv"),
        };
        csv.Headers.Add("X-Api-Key", AcmeKey);
        using var csvResponse = await Http.SendAsync(csv, cancel);
        var csvText = await csvResponse.Content.ReadAsStringAsync(cancel);
        Assert.True(csvResponse.IsSuccessStatusCode, $"{csvResponse.StatusCode}: {csvText}");
        var csvBody = JsonDocument.Parse(csvText).RootElement;
        Assert.Equal(outcomes, csvBody.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()!).ToArray());
    }

    [Fact]
    public async Task Past_the_rate_limit_the_answer_is_429()
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => GetAsync(CheckUrl(first, free[1], company: "BETA"), CheckApiRig.LimitKey)));

        Assert.Contains(statuses, s => s.Status == HttpStatusCode.TooManyRequests && s.ContentType == "application/problem+json");
        await AssertCountedAsync(first, 429, "rate-limited");
    }

    [Fact]
    public async Task The_openapi_document_describes_both_endpoints()
    {
        var document = await Http.GetStringAsync(Url(first, "/openapi/v1.json"), TestContext.Current.CancellationToken);

        Assert.Contains("\"/v1/check\"", document, StringComparison.Ordinal);
        Assert.Contains("\"/v1/check/batch\"", document, StringComparison.Ordinal);
        var batch = JsonDocument.Parse(document).RootElement.GetProperty("paths").GetProperty("/v1/check/batch").GetProperty("post");
        Assert.True(batch.GetProperty("responses").TryGetProperty("408", out _));
        Assert.Equal(["companyId", "channel", "purpose", "at", "callerId"],
            batch.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!));
    }

    [Fact]
    public async Task Dead_letters_read_back_to_the_end_name_their_source_and_reason()
    {
        var cancel = TestContext.Current.CancellationToken;
        var serdes = RecordSerdes.Local();
        var key = "dlq-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }, serdes))
        {
            producer.Raw(TopicNames.Attempts, key, [0x00, 0x00]);
        }
        var seal = new DeadLetterSeal(new SubjectHasher(GateProcess.HashSecret));

        // What rpo deadletters reads: the topic up to its end offsets, read_committed.
        DeadLetter? found = null;
        using var tick = Signal.Every(TimeSpan.FromMilliseconds(500));
        await Wait.UntilAsync(
            () => (found = TopicReader.ReadToEnd(kafka.BootstrapServers, TopicNames.DeadLetters, "dlq-test")
                .Select(r => serdes.DeadLetter.Deserialize(r.Value, new SerializationContext(MessageComponentType.Value, TopicNames.DeadLetters)))
                .FirstOrDefault(d => d.topic == TopicNames.Attempts && seal.Unseal(d.sealedKey) is { } k && Encoding.UTF8.GetString(k) == key)) != null,
            tick, TimeSpan.FromSeconds(120), "the dead letter of the truncated attempt", cancel);

        Assert.False(string.IsNullOrWhiteSpace(found!.error));
        Assert.Equal(2, found.valueLength);
        Assert.True(found.offset >= 0);
    }

    [Fact]
    public async Task The_log_of_a_gate_under_traffic_holds_no_raw_number()
    {
        var cancel = TestContext.Current.CancellationToken;
        var serdes = RecordSerdes.Local();
        var plan = new SimulationPlan { Register = 500, Intents = 3_000, Seed = 11, AttemptShare = 0.3, RunId = "logs" };
        // Other tests of the class share the gates: every dead letter before this one's is already out.
        var deadBefore = TopicReader.ReadToEnd(kafka.BootstrapServers, TopicNames.DeadLetters, "log-test-before").Count();
        using (var producer = new TrafficProducer(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }, serdes))
        {
            TrafficRun.Run(producer, plan, PolicyRules.Default, null, cancel);
            // Unreadable records whose key is a number: the gate reports them without echoing it.
            producer.Raw(TopicNames.Intents, "+393331234567", Encoding.UTF8.GetBytes("{\"subject\":\"+393331234567\"}"));
            producer.Raw(TopicNames.RegisterUpdates, "3331234567", [0x01, 0x02]);
        }
        await Wait.UntilAsync(async () => (await GetAsync(Url(first, "/health/live"), null)).Status == HttpStatusCode.OK, first.Current.Output, TimeSpan.FromSeconds(30), "gate alive", cancel,
            abort: () => first.Current.Exited);
        await TopicCounter.WaitForRecordsAsync(kafka.BootstrapServers, TopicNames.DeadLetters, deadBefore + 2, TimeSpan.FromSeconds(120), cancel);
        foreach (var number in registered.Concat(free).Take(5))
        {
            await GetAsync(CheckUrl(first, number), AcmeKey);
        }

        var logs = first.Tails(100_000) + second.Tails(100_000);
        var numbers = Enumerable.Range(0, 3_000).Select(i => SyntheticTraffic.Number(i)).Concat(registered).Concat(free).Append("+393331234567");
        var leaked = numbers.Select(n => n[3..]).Where(national => logs.Contains(national, StringComparison.Ordinal)).Take(5).ToList();
        Assert.True(logs.Length > 1_000, "the gates wrote a log");
        Assert.Empty(leaked);
    }
}
