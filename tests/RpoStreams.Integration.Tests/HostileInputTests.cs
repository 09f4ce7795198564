using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The hostile requests of issue 15, against a real gate process: each class of them once made a 500, a
/// memory blow-up or a way around a limit; now each gets a clear 4xx (problem+json, no stack trace) within a
/// second, and the gate stays small and quiet.
/// </summary>
public sealed class HostileInputTests(HostileGate gate) : IClassFixture<HostileGate>
{
    private const string Phone = "%2B393331234567";
    private const string CallerId = "%2B390212345678";
    private const string PartitionsPath = "/internal/v1/partitions";
    // A refusal must not wait for what it refuses (a 30 MB body, a slow client); the bound leaves room for a loaded machine's pauses.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A UTC time as a check's <c>at</c>, to the second.</summary>
    private static string Utc(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private HttpRequestMessage Get(string query, string key = HostileGate.Key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, gate.Url("/v1/check?" + query));
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private HttpRequestMessage Post(HttpContent content, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gate.Url("/v1/check/batch" + query)) { Content = content };
        request.Headers.Add("X-Api-Key", HostileGate.Key);
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent Csv(string csv) => new(csv, Encoding.UTF8, "text/csv");

    private static async Task AssertRefusedAsync(int expected, string what, HttpRequestMessage request)
    {
        using (request)
        {
            var (status, type, body, took) = await HostileGate.SendAsync(request, Cancel);

            Assert.True(status == expected, $"{what}: {status} {body}");
            Assert.Equal("application/problem+json", type);
            AssertNoStackTrace(what, body);
            Assert.True(took < Prompt, $"{what}: took {took.TotalMilliseconds:0} ms");
        }
    }

    private static void AssertNoStackTrace(string what, string text)
    {
        Assert.False(text.Contains("   at ", StringComparison.Ordinal) || text.Contains(".cs:line", StringComparison.Ordinal), $"{what}: a stack trace in {text}");
    }

    /// <summary>
    /// A spreadsheet's CSV (a byte-order mark, CRLF, a quoted charset) is the same list; a PHONE batch without callerId
    /// names the rule it left out, as a single check does (its ALLOWED is not the stream's).
    /// </summary>
    [Fact]
    public async Task A_spreadsheets_csv_is_the_same_list_and_a_batch_names_the_rule_it_left_out()
    {
        var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("subject\r\n+393331234567\r\n")]);
        content.Headers.TryAddWithoutValidation("Content-Type", "text/csv; charset=\"UTF-8\"");
        using var request = Post(content, "?companyId=ACME");

        var (status, _, body, _) = await HostileGate.SendAsync(request, Cancel);

        Assert.True(status == 200, $"{status} {body}");
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, answer.GetProperty("total").GetInt32());
        Assert.Equal(["CALLER_ID_INVALID"], answer.GetProperty("notEvaluated").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("it-2024.1", answer.GetProperty("policyVersion").GetString());
    }

    [Fact]
    public async Task A_decision_time_without_seconds_is_read()
    {
        // A month ago: within what intake takes from an intent produced now, whenever the test runs.
        var day = DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var request = Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&at={Uri.EscapeDataString(day + "T10:00+01:00")}");

        var (status, _, body, _) = await HostileGate.SendAsync(request, Cancel);

        Assert.Equal(200, status);
        Assert.Contains(day + "T09:00:00Z", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decision_time_intake_would_refuse_from_an_intent_produced_now_is_400()
    {
        // Intake:MaxPastSkewDays and MaxFutureSkewDays are 366 by default: a contact dated before that is one no intent can
        // bring now, and the contacts it would look back at may have been let go; one after it, one no intent can bring yet.
        var intake = new RpoStreams.Gate.Topology.IntakeSettings();
        string At(double days) => Utc(DateTime.UtcNow.AddDays(days));
        // Two minutes inside the 366 days: within the minutes a partition's stream time can lead the clock (Intake:MaxClockAheadMinutes).
        foreach (var at in new[] { At(-intake.MaxPastSkewDays + 2.0 / (24 * 60)), At(intake.MaxFutureSkewDays + 1) })
        {
            var escaped = Uri.EscapeDataString(at);
            await AssertRefusedAsync(400, $"GET at={at}", Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&at={escaped}"));
            await AssertRefusedAsync(400, $"JSON batch at={at}", Post(Json($$"""{"companyId":"ACME","at":"{{at}}","subjects":["+393331234567"]}""")));
            await AssertRefusedAsync(400, $"CSV batch at={at}", Post(Csv("subject\n+393331234567\n"), $"?companyId=ACME&at={escaped}"));
        }
        // A day inside either bound is answered.
        foreach (var at in new[] { At(1 - intake.MaxPastSkewDays), At(intake.MaxFutureSkewDays - 1) })
        {
            using var request = Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&at={Uri.EscapeDataString(at)}");
            var (status, _, body, _) = await HostileGate.SendAsync(request, Cancel);
            Assert.True(status == 200, $"at={at}: {status} {body}");
        }
    }

    /// <summary>
    /// A check asked directly is held to the bound less a minute (<c>CheckInput.PeerMargin</c>: the peers' clock window and the
    /// time forwarding takes); one forwarded by a peer, to the bound itself by the owner's clock (and the future bound plus
    /// that minute): so the owner does not refuse what its peer took, whichever of the two clocks is ahead, and never answers
    /// past the bound.
    /// </summary>
    [Fact]
    public async Task A_forwarded_check_within_the_peers_clock_window_of_a_bound_is_answered()
    {
        var intake = new RpoStreams.Gate.Topology.IntakeSettings();
        var signer = new PeerCredentials(HostileGate.PeerSecret);
        var pastBound = DateTime.UtcNow.AddDays(-intake.MaxPastSkewDays).AddMinutes(intake.MaxClockAheadMinutes);
        var futureBound = DateTime.UtcNow.AddDays(intake.MaxFutureSkewDays);
        string Query(DateTime at) =>
            $"subject={Phone}&companyId=ACME&callerId={CallerId}&at={Uri.EscapeDataString(Utc(at))}";
        HttpRequestMessage Forwarded(DateTime at)
        {
            var request = Get(Query(at));
            request.Headers.TryAddWithoutValidation(PeerCredentials.Header, signer.Sign("GET", request.RequestUri!.PathAndQuery, HostileGate.Key));
            return request;
        }

        foreach (var at in new[] { pastBound.AddSeconds(20), futureBound.AddSeconds(10) })
        {
            await AssertRefusedAsync(400, $"asked directly, at={at:O}", Get(Query(at)));
            using var forwarded = Forwarded(at);
            var (status, _, body, _) = await HostileGate.SendAsync(forwarded, Cancel);
            Assert.True(status == 200, $"forwarded, at={at:O}: {status} {body}");
        }
        foreach (var at in new[] { pastBound.AddSeconds(-10), futureBound.AddSeconds(90) })
        {
            await AssertRefusedAsync(400, $"forwarded, past the bound, at={at:O}", Forwarded(at));
        }
    }

    [Fact]
    public async Task A_decision_time_at_the_end_of_the_calendar_or_outside_the_documented_range_is_400()
    {
        foreach (var at in new[] { "9999-12-31T23:59:59+01:00", "9999-12-31T23:59+01:00", "9999-12-31T23:59:59-18:00", "9999-12-31T23:59:59+18:00", "0001-01-01T00:00:00+18:00", "2100-01-01T00:00:00Z", "1999-12-31T23:59:59Z" })
        {
            var escaped = Uri.EscapeDataString(at);
            await AssertRefusedAsync(400, $"GET at={at}", Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&at={escaped}"));
            await AssertRefusedAsync(400, $"JSON batch at={at}", Post(Json($$"""{"companyId":"ACME","at":"{{at}}","subjects":["+393331234567"]}""")));
            await AssertRefusedAsync(400, $"CSV batch at={at}", Post(Csv("subject\n+393331234567\n"), $"?companyId=ACME&at={escaped}"));
        }
    }

    [Fact]
    public async Task A_body_without_a_usable_content_type_or_with_a_content_encoding_is_415()
    {
        var body = """{"companyId":"ACME","subjects":["+393331234567"]}"""u8.ToArray();
        HttpRequestMessage Typed(string? type, string? encoding = null, byte[]? content = null)
        {
            var bytes = new ByteArrayContent(content ?? body);
            if (type != null)
            {
                bytes.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            if (encoding != null)
            {
                bytes.Headers.ContentEncoding.Add(encoding);
            }
            return Post(bytes, "?companyId=ACME");
        }
        var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write("subject\n+393331234567\n+393331234568\n"u8);
        }

        await AssertRefusedAsync(415, "no Content-Type", Typed(null));
        await AssertRefusedAsync(415, "a bogus charset", Typed("application/json; charset=bogus"));
        await AssertRefusedAsync(415, "Content-Type ;;;", Typed(";;;"));
        await AssertRefusedAsync(415, "text/plain", Typed("text/plain"));
        await AssertRefusedAsync(415, "application/xml", Typed("application/xml"));
        await AssertRefusedAsync(415, "gzip sent as CSV", Typed("text/csv", "gzip", gzipped.ToArray()));
        await AssertRefusedAsync(415, "brotli JSON", Typed("application/json", "br"));
        await AssertRefusedAsync(400, "gzip bytes labelled as plain CSV", Typed("text/csv", null, gzipped.ToArray()));
    }

    [Fact]
    public async Task An_over_long_subject_or_caller_id_is_400_naming_the_limit()
    {
        var longPhone = "+39 333 123 4567".PadRight(65);
        var longAddress = new string('x', 513);

        await AssertRefusedAsync(400, "phone of 65", Get($"subject={Uri.EscapeDataString(longPhone)}&companyId=ACME"));
        await AssertRefusedAsync(400, "address of 513", Get($"subject={longAddress}&companyId=ACME&channel=POSTAL_MAIL"));
        await AssertRefusedAsync(400, "callerId of 65", Get($"subject={Phone}&companyId=ACME&callerId={Uri.EscapeDataString(longPhone)}"));
        await AssertRefusedAsync(400, "a batch with one long address", Post(Json($$"""{"companyId":"ACME","channel":"POSTAL_MAIL","subjects":["Via Roma 1","{{longAddress}}"]}""")));
        using var named = Get($"subject={longAddress}&companyId=ACME&channel=POSTAL_MAIL");
        var answer = await HostileGate.SendAsync(named, Cancel);
        Assert.Contains("at most 512", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_amplification_request_is_refused_before_normalization_and_the_gate_stays_small()
    {
        // One address of U+FDFA, which NFKD turns into 18 characters each: 30 MB as the tester sent it, and 1 MB
        // (under Api:MaxBatchBytes, so it is read and its subject measured).
        const string head = """{"companyId":"ACME","channel":"POSTAL_MAIL","subjects":[""" + "\"";
        var ligatures = Encoding.UTF8.GetBytes(new string('\uFDFA', 21_845));
        IEnumerable<ReadOnlyMemory<byte>> Huge(int pieces)
        {
            yield return Encoding.UTF8.GetBytes(head);
            for (var i = 0; i < pieces; i++)
            {
                yield return ligatures;
            }
            yield return "\"]}"u8.ToArray();
        }
        long Length(int pieces) => Encoding.UTF8.GetByteCount(head) + ((long)pieces * ligatures.Length) + 3;
        var before = gate.ResidentBytes();

        var huge = Enumerable.Range(0, 3).Select(_ => RawHttp.SendAsync(
            gate.Port,
            $"POST /v1/check/batch HTTP/1.1\nHost: 127.0.0.1\nX-Api-Key: {HostileGate.Key}\nContent-Type: application/json\nContent-Length: {Length(458)}\n",
            Huge(458), TimeSpan.FromSeconds(30), Cancel)).ToList();
        var megabyte = Enumerable.Range(0, 3).Select(_ =>
            AssertRefusedAsync(400, "1 MB address", Post(new ByteArrayContent(Huge(16).SelectMany(p => p.ToArray()).ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }))).ToList();
        using (var live = new HttpRequestMessage(HttpMethod.Get, gate.Url("/health/live")))
        {
            var probe = await HostileGate.SendAsync(live, Cancel);
            Assert.True(probe.Took < Prompt, $"/health/live took {probe.Took.TotalMilliseconds:0} ms under the attack");
        }
        await Task.WhenAll(megabyte);
        foreach (var answer in await Task.WhenAll(huge))
        {
            Assert.True(answer.Status == 413, $"30 MB body: {answer.Text}");
            Assert.True(answer.Took < Prompt, $"30 MB body: took {answer.Took.TotalMilliseconds:0} ms");
            AssertNoStackTrace("30 MB body", answer.Text);
        }
        var grown = gate.ResidentBytes() - before;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"VmRSS {before / (1024 * 1024)} MB before, grew {grown / 1024} KB; 30 MB bodies answered in {string.Join(", ", (await Task.WhenAll(huge)).Select(a => $"{a.Took.TotalMilliseconds:0} ms"))}");

        Assert.True(grown < 50L * 1024 * 1024, $"the gate grew by {grown / (1024 * 1024)} MB (VmRSS {before / (1024 * 1024)} MB before)");
    }

    [Fact]
    public async Task A_repeated_or_comma_joined_enum_is_400_never_a_silent_choice()
    {
        var common = $"subject={Phone}&companyId=ACME&callerId={CallerId}";

        await AssertRefusedAsync(400, "purpose twice", Get($"{common}&purpose=PROMOTIONAL&purpose=SERVICE"));
        await AssertRefusedAsync(400, "purpose comma-joined", Get($"{common}&purpose=PROMOTIONAL,SERVICE"));
        await AssertRefusedAsync(400, "purpose by number", Get($"{common}&purpose=2"));
        await AssertRefusedAsync(400, "channel twice", Get($"{common}&channel=PHONE&channel=POSTAL_MAIL"));
        await AssertRefusedAsync(400, "channel comma-joined", Get($"{common}&channel=PHONE,POSTAL_MAIL"));
        await AssertRefusedAsync(400, "subject twice", Get($"{common}&subject=%2B393331234568"));
        await AssertRefusedAsync(400, "JSON purpose comma-joined", Post(Json("""{"companyId":"ACME","purpose":"PROMOTIONAL,SERVICE","subjects":["+393331234567"]}""")));
        await AssertRefusedAsync(400, "JSON purpose twice", Post(Json("""{"companyId":"ACME","purpose":"PROMOTIONAL","purpose":"SERVICE","subjects":["+393331234567"]}""")));
        await AssertRefusedAsync(400, "JSON channel with a space", Post(Json("""{"companyId":"ACME","channel":" PHONE","subjects":["+393331234567"]}""")));
        await AssertRefusedAsync(400, "CSV purpose twice", Post(Csv("+393331234567\n"), "?companyId=ACME&purpose=PROMOTIONAL&purpose=SERVICE"));
    }

    /// <summary>A parameter the endpoint does not read was ignored, and the answer given for something else (now, not the scheduledAt meant).</summary>
    [Fact]
    public async Task A_parameter_the_check_does_not_read_is_400_naming_it_masked()
    {
        var common = $"subject={Phone}&companyId=ACME&callerId={CallerId}";

        await AssertRefusedAsync(400, "scheduledAt for at", Get($"{common}&scheduledAt=2026-12-09T10:30:00%2B01:00"));
        await AssertRefusedAsync(400, "a number as a name", Get($"{common}&3331234567=1"));
        await AssertRefusedAsync(400, "CSV batch, a misspelt purpose", Post(Csv("+393331234567\n"), "?companyId=ACME&purpose=PROMOTIONAL&purpse=SERVICE"));
        await AssertRefusedAsync(400, "JSON batch, a parameter in the query string", Post(Json("""{"companyId":"ACME","subjects":["+393331234567"]}"""), "?scheduledAt=2026-12-09T10:30:00%2B01:00"));
        var (_, _, body, _) = await HostileGate.SendAsync(Get($"{common}&scheduledAt=x"), Cancel);
        Assert.Contains("'scheduledAt' is not a parameter of this endpoint", body, StringComparison.Ordinal);
        var (_, _, masked, _) = await HostileGate.SendAsync(Get($"{common}&3331234567=1"), Cancel);
        Assert.DoesNotContain("3331234567", masked, StringComparison.Ordinal);
        // Masked before it is cut short: a number across the cut would show most of its digits
        var (_, _, cut, _) = await HostileGate.SendAsync(Get($"{common}&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3331234567=1"), Cancel);
        Assert.DoesNotContain("333123", cut, StringComparison.Ordinal);
        // Names bind in any case, as ASP.NET binds them
        var (status, _, _, _) = await HostileGate.SendAsync(Get($"Subject={Phone}&COMPANYID=ACME&callerId={CallerId}"), Cancel);
        Assert.Equal(200, status);
    }

    private HttpRequestMessage Partitions(string? peerHeader, string path = PartitionsPath)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, gate.Url(path));
        if (peerHeader != null)
        {
            request.Headers.TryAddWithoutValidation(PeerCredentials.Header, peerHeader);
        }
        return request;
    }

    [Fact]
    public async Task A_forged_peer_header_is_401_and_lifts_no_rate_limit()
    {
        // What anyone could compute before: an HMAC of a fixed label under the development hash secret.
        var forged = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SubjectSettings.DevelopmentSecret), "rpo-gate-peer-v1"u8));

        await AssertRefusedAsync(401, "the old static token", Partitions(forged));
        await AssertRefusedAsync(401, "no peer header", Partitions(null));
        await AssertRefusedAsync(401, "a made-up signature", Partitions($"v1.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{new string('0', 32)}.{new string('0', 64)}"));
        // A burst past the key's rate carrying the forged header: refused, none answered; the limit still holds.
        var forgedBurst = await Task.WhenAll(Enumerable.Range(0, 2 * HostileGate.RequestsPerSecond).Select(async _ =>
        {
            using var request = Get($"subject={Phone}&companyId=ACME", HostileGate.RateKey);
            request.Headers.TryAddWithoutValidation("X-Rpo-Forwarded", forged);
            return (await HostileGate.SendAsync(request, Cancel)).Status;
        }));
        var plainBurst = await Task.WhenAll(Enumerable.Range(0, 2 * HostileGate.RequestsPerSecond).Select(async _ =>
        {
            using var request = Get($"subject={Phone}&companyId=ACME", HostileGate.RateKey);
            return (await HostileGate.SendAsync(request, Cancel)).Status;
        }));

        Assert.All(forgedBurst, status => Assert.Equal(401, status));
        Assert.Contains(429, plainBurst);
    }

    [Fact]
    public async Task Made_up_api_keys_share_one_rate_limit_rather_than_getting_a_bucket_each()
    {
        // Each request its own unknown key: with a bucket per key none would be limited, and every key would take memory.
        var burst = await Task.WhenAll(Enumerable.Range(0, 2 * HostileGate.RequestsPerSecond).Select(async i =>
        {
            using var request = Get($"subject={Phone}&companyId=ACME", $"made-up-key-{i:D6}-{Guid.NewGuid():N}");
            return (await HostileGate.SendAsync(request, Cancel)).Status;
        }));

        Assert.Contains(429, burst);
        Assert.All(burst, status => Assert.Contains(status, new[] { 401, 429 }));
        // The shared bucket refills before the next test asks with an unknown key.
        await Task.Delay(TimeSpan.FromSeconds(1.5), Cancel);
    }

    [Fact]
    public async Task A_replayed_stale_or_misdirected_peer_signature_is_401()
    {
        var signer = new PeerCredentials(HostileGate.PeerSecret);
        var valid = signer.Sign("GET", PartitionsPath, null);

        await AssertRefusedAsync(401, "signed by an instance with another secret", Partitions(new PeerCredentials(null).Sign("GET", PartitionsPath, null)));
        await AssertRefusedAsync(401, "signed two minutes ago", Partitions(new PeerCredentials(HostileGate.PeerSecret, new Shifted(TimeSpan.FromMinutes(-2))).Sign("GET", PartitionsPath, null)));
        await AssertRefusedAsync(401, "signed for another path", Partitions(signer.Sign("GET", "/v1/check", null)));
        using (var first = Partitions(valid))
        {
            var answer = await HostileGate.SendAsync(first, Cancel);
            Assert.True(answer.Status == 200, $"a valid signature: {answer.Status} {answer.Body}");
        }
        await AssertRefusedAsync(401, "the same header replayed", Partitions(valid));
    }

    /// <summary>
    /// The body's digest is signed with the request: a forwarded batch whose numbers were changed on the way is refused,
    /// and a peer header is judged before a byte of the body is read (an unsigned request cannot make the gate buffer one).
    /// </summary>
    [Fact]
    public async Task A_forwarded_batch_whose_body_was_changed_on_the_way_is_401_and_a_bad_peer_header_before_its_body_is_read()
    {
        var signer = new PeerCredentials(HostileGate.PeerSecret);
        const string signed = """{"companyId":"ACME","channel":"PHONE","subjects":["+393331234567"]}""";
        const string changed = """{"companyId":"ACME","channel":"PHONE","subjects":["+393337654321"]}""";
        HttpRequestMessage Forwarded(string body)
        {
            var request = Post(Json(body));
            request.Headers.TryAddWithoutValidation(PeerCredentials.Header, signer.Sign("POST", "/v1/check/batch", HostileGate.Key, Encoding.UTF8.GetBytes(signed)));
            request.Headers.TryAddWithoutValidation(PeerCredentials.BodyHeader, PeerCredentials.DigestOf(Encoding.UTF8.GetBytes(signed)));
            return request;
        }

        await AssertRefusedAsync(401, "a body other than the one signed", Forwarded(changed));
        using (var same = Forwarded(signed))
        {
            var answer = await HostileGate.SendAsync(same, Cancel);
            Assert.True(answer.Status == 200, $"the body signed: {answer.Status} {answer.Body}");
        }
        // A made-up peer header on a body that never comes: refused at once, not after waiting for the body (408).
        var head = $"POST /v1/check/batch HTTP/1.1\nHost: 127.0.0.1\nX-Api-Key: {HostileGate.Key}\nContent-Type: application/json\n{PeerCredentials.Header}: {signer.Sign("POST", "/elsewhere", null)}\n";
        var stalled = await RawHttp.SendAsync(gate.Port, head + "Content-Length: 4000000\n", RawHttp.Repeat((byte)' ', 10), TimeSpan.FromSeconds(30), Cancel);
        Assert.True(stalled.Status == 401, $"a bad peer header on a body that stops: {stalled.Text}");
    }

    [Fact]
    public async Task Oversized_slow_or_malformed_bodies_are_4xx_counted_and_never_logged_as_errors()
    {
        var head = $"POST /v1/check/batch HTTP/1.1\nHost: 127.0.0.1\nX-Api-Key: {HostileGate.Key}\nContent-Type: application/json\n";

        var chunked = await RawHttp.SendAsync(gate.Port, head + "Transfer-Encoding: chunked\n", RawHttp.Chunked((byte)' ', HostileGate.MaxBatchBytes + (1024 * 1024)), TimeSpan.FromSeconds(30), Cancel);
        var slow = await RawHttp.SendAsync(gate.Port, head + "Content-Length: 100000\n", RawHttp.Repeat((byte)' ', 10), TimeSpan.FromSeconds(30), Cancel);
        await AssertRefusedAsync(400, "malformed JSON", Post(Json("""{"companyId":"ACME","subjects":[""")));
        // A chunk size that overflows: Kestrel throws an IOException there (it was a 500 and an Error line with its stack).
        var overflow = await RawHttp.SendAsync(gate.Port, head + "Transfer-Encoding: chunked\n", [Encoding.ASCII.GetBytes("FFFFFFFFFFFFFFFFFF\r\n[]\r\n0\r\n\r\n")], TimeSpan.FromSeconds(30), Cancel);
        Assert.True(overflow.Status == 400, $"a chunk size that overflows: {overflow.Text}");
        AssertNoStackTrace("400", overflow.Text);

        Assert.True(chunked.Status == 413, $"a chunked body past Api:MaxBatchBytes: {chunked.Text}");
        Assert.True(slow.Status == 408, $"a body that stops: {slow.Text}");
        Assert.Contains("\"title\":\"Request Timeout\"", slow.Text, StringComparison.Ordinal);
        AssertNoStackTrace("413", chunked.Text);
        AssertNoStackTrace("408", slow.Text);
        var metrics = await HostileGate.Http.GetStringAsync(gate.Url("/metrics"), Cancel);
        // Counted: every label set is exported from the start (at 0), so the count itself has to have moved.
        Assert.Matches("rpo_api_refused_total\\{[^}]*reason=\"body-too-large\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("rpo_api_refused_total\\{[^}]*reason=\"body-too-slow\"[^}]*\\} [1-9]", metrics);
        var log = gate.Log();
        var errors = log.Split('\n').Where(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "Error lines in the log:\n" + string.Join('\n', errors.Take(3)));
        Assert.DoesNotContain("BadHttpRequestException", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Bad chunk size", log, StringComparison.Ordinal);
        Assert.Contains("HTTP requests as client errors", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// Batches asked directly are admitted before their body is read, four per batch slot (one slot per two cores): a
    /// burst of large bodies once ran the heap out of memory. Here one more batch than that is sent at once, each body
    /// trickling in at 192 KB/s (above the least rate a client must keep) until the first answer comes: whichever batch
    /// came last waits 10 s for one of the others to be answered, then gets a 503; the others are answered after it.
    /// </summary>
    [Fact]
    public async Task A_batch_past_those_admitted_at_once_waits_and_is_refused_while_they_are_read()
    {
        const int admitted = HostileGate.BatchesAdmitted;
        var json = Encoding.UTF8.GetBytes("""{"companyId":"ACME","subjectType":"PHONE","callerId":"+390212345678","subjects":["+393331234567"]}""");
        var spaces = new byte[48 * 1024];
        Array.Fill(spaces, (byte)' ');
        var firstAnswer = new TaskCompletionSource();
        IEnumerable<ReadOnlyMemory<byte>> Body()
        {
            // Whitespace until the first answer, at most 3 MiB (16 s), then the list
            for (var sent = 0; sent < 3 * 1024 * 1024 && !firstAnswer.Task.IsCompleted; sent += spaces.Length)
            {
                yield return RawHttp.Chunk(spaces);
            }
            yield return RawHttp.Chunk(json);
            yield return RawHttp.Chunk([]);
        }
        var head = $"POST /v1/check/batch HTTP/1.1\nHost: 127.0.0.1\nX-Api-Key: {HostileGate.Key}\nContent-Type: application/json\nTransfer-Encoding: chunked\n";

        var sends = Enumerable.Range(0, admitted + 1)
            .Select(_ => RawHttp.SendAsync(gate.Port, head, Body(), TimeSpan.FromSeconds(60), Cancel, pace: TimeSpan.FromMilliseconds(250)))
            .ToList();
        var refused = await await Task.WhenAny(sends);
        firstAnswer.SetResult();
        var answers = await Task.WhenAll(sends);

        Assert.True(refused.Status == 503, $"the first answer: {refused.Text}");
        Assert.Contains($"too many batches are in flight (at most {admitted} at once)", refused.Text, StringComparison.Ordinal);
        Assert.True(refused.Took >= TimeSpan.FromSeconds(9), $"refused after {refused.Took.TotalSeconds:0.0} s");
        Assert.All(answers.Where(a => !ReferenceEquals(a, refused)), a =>
        {
            Assert.True(a.Status == 200, a.Text[..Math.Min(a.Text.Length, 300)]);
            Assert.True(a.Took > refused.Took, $"answered after {a.Took.TotalSeconds:0.0} s");
        });
    }

    [Fact]
    public async Task Metrics_answer_a_get_and_no_other_method()
    {
        using (var get = new HttpRequestMessage(HttpMethod.Get, gate.Url("/metrics")))
        {
            Assert.Equal(200, (await HostileGate.SendAsync(get, Cancel)).Status);
        }
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Delete, new HttpMethod("FOO") })
        {
            using var request = new HttpRequestMessage(method, gate.Url("/metrics"));
            Assert.Equal(405, (await HostileGate.SendAsync(request, Cancel)).Status);
        }
    }

    [Fact]
    public async Task A_time_cut_short_by_a_nul_character_is_400()
    {
        // NodaTime reads a NUL as the end of the text: "…+01:00\0garbage" was answered for the time before it.
        var at = Uri.EscapeDataString(Utc(DateTime.UtcNow.AddDays(1))) + "%00garbage";
        await AssertRefusedAsync(400, "GET at with a NUL", Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&at={at}"));
    }

    [Fact]
    public async Task The_path_of_a_refused_request_is_not_written_to_the_log()
    {
        // Given requests refused at the door (a made-up peer header), whose paths hold a number written with spaces and
        // an address: the refusals' log line (at most one per 10 s) was written in the scope of the request that came
        // when it was due, which added that request's path unmasked
        string[] paths = ["/336%20000%200017", "/Via%20Garibaldi%2017%2C%2000187%20Roma"];
        int Refusals() => gate.Log().Split('\n').Count(l => l.Contains("HTTP requests as client errors", StringComparison.Ordinal));
        var before = Refusals();
        var sent = 0;

        // When such requests come until the next such line is written (this class's tests run one at a time: it is theirs)
        using (var tick = RpoStreams.Testing.Signal.Every(TimeSpan.FromMilliseconds(250)))
        {
            await RpoStreams.Testing.Wait.UntilAsync(
                async () =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, gate.Url(paths[sent++ % paths.Length]));
                    request.Headers.TryAddWithoutValidation(PeerCredentials.Header, "made-up");
                    Assert.Equal(401, (await HostileGate.SendAsync(request, Cancel)).Status);
                    return Refusals() > before;
                },
                tick, ClientErrors.LogEvery * 3, "a line counting the refusals", Cancel);
        }

        // Then no log line holds either path, however written
        var log = gate.Log();
        foreach (var seen in new[] { "336%20000%200017", "336 000 0017", "Garibaldi" })
        {
            Assert.DoesNotContain(seen, log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void On_a_cluster_without_a_schema_registry_the_gate_warns_naming_SchemaRegistry_Url()
    {
        // Given the fixture's gate on rpo devkafka with no SchemaRegistry:Url (ids a real registry's clients would not share)
        var warnings = gate.Log().Split('\n').Where(l => l.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal) && l.Contains("No SchemaRegistry:Url", StringComparison.Ordinal));

        // Then one warning says so
        Assert.Single(warnings);
    }

    [Fact]
    public void With_json_logging_every_line_on_stdout_is_one_json_object()
    {
        // Given a gate started with Logging:Format json (the fixture), as jq and log pipelines read it
        var lines = gate.Gate.Current.ReadStdout().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Then each line parses alone: Streamiz's state directory once wrote a two-line text entry through a console logger of its own
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            try
            {
                using var parsed = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
            }
            catch (JsonException)
            {
                Assert.Fail("not a JSON line: " + line[..Math.Min(line.Length, 120)]);
            }
        }
    }

    [Fact]
    public void Every_rpo_counter_is_exported_for_each_of_its_labels_from_the_start()
    {
        // Given the gate's /metrics before any request (Prometheus' rate() sees nothing of a series that does not exist yet)
        var lines = gate.MetricsAtStart.Split('\n');
        bool Exported(string name, IEnumerable<string> labels) =>
            lines.Any(l => l.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(label => l.Contains(label, StringComparison.Ordinal)));

        // Then every label set of every counter is there
        foreach (var (name, sets) in CounterBaseline.LabelSets)
        {
            foreach (var tags in sets)
            {
                var labels = tags.Select(t => $"{t.Key}=\"{t.Value}\"").ToList();
                Assert.True(Exported(name, labels), $"{name} {{{string.Join(",", labels)}}} is not in /metrics");
            }
        }
        foreach (var (status, reason) in ClientErrors.Known)
        {
            Assert.True(Exported("rpo_api_refused_total", [$"reason=\"{reason}\"", $"status=\"{status}\""]), $"rpo_api_refused_total {reason} {status} is not in /metrics");
        }
    }

    [Fact]
    public async Task The_openapi_document_does_not_echo_the_Host_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gate.Url("/openapi/v1.json"));
        request.Headers.Host = "attacker.example:8443";

        var answer = await HostileGate.SendAsync(request, Cancel);

        Assert.Equal(200, answer.Status);
        Assert.DoesNotContain("attacker.example", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ordinary_requests_are_still_answered()
    {
        using var get = Get($"subject={Phone}&companyId=ACME&callerId={CallerId}&purpose=service&channel=phone");
        using var json = Post(new StringContent("""{"companyId":"ACME","purpose":"SERVICE","callerId":"+390212345678","subjects":["+393331234567","Via Roma 1"]}""", Encoding.UTF8, "application/json"));
        using var csv = Post(new StringContent("subject\n+393331234567\n", Encoding.ASCII, "text/csv"), $"?companyId=ACME&callerId={CallerId}");

        foreach (var (what, request) in new[] { ("GET", get), ("JSON", json), ("CSV", csv) })
        {
            var answer = await HostileGate.SendAsync(request, Cancel);
            Assert.True(answer.Status == 200, $"{what}: {answer.Status} {answer.Body}");
        }
    }

    /// <summary>A clock some way off this one, for a peer header signed at another time.</summary>
    private sealed class Shifted(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}
