using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using RpoStreams.Contracts;
using RpoStreams.DevKafka.Registry;
using RpoStreams.Policy;
using RpoStreams.Testing;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// A dialer no one here wrote: tests/interop-js/dialer.js, on kafkajs 2.2.4 and
/// @kafkajs/confluent-schema-registry from npm, knowing only the bootstrap address, the Schema Registry URL
/// and schemas/. It runs against <c>rpo devkafka</c> (broker and registry endpoint) and a gate process whose
/// <c>SchemaRegistry:Url</c> is that endpoint: it registers the contract's schemas, plays the register feed,
/// sends intents keyed by the normalized subject (kafkajs's Java-compatible murmur2 partitioner), dials a
/// blocked one anyway, sends a record with an unknown schema id, and decodes every decision, alert and dead
/// letter through the registry. docs/integration.md shows the same calls.
/// </summary>
public sealed class JavaScriptDialerTests : IDisposable
{
    private const string ApiKey = "interopkey0123456789abcdef";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly string[] RawNumbers = ["3331234567", "3471234567", "3391234567", "3201234567"];

    private readonly string folder = Directory.CreateTempSubdirectory("rpo-interop-").FullName;
    private readonly string applicationId = "interop-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IDisposable> running = [];

    [Fact]
    public async Task A_kafkajs_dialer_gets_decisions_alerts_and_dead_letters_through_the_schema_registry()
    {
        var cancel = TestContext.Current.CancellationToken;
        var node = OnPath("node");
        Assert.SkipWhen(node is null, "node (Node.js 20 or later) is not on PATH; the JavaScript interop test needs it");
        var root = Repository.Root;
        var scripts = Path.Combine(root, "tests", "interop-js");
        Assert.True(Directory.Exists(Path.Combine(scripts, "node_modules", "kafkajs")),
            $"the npm packages of {scripts} are not installed: run scripts/install-test-prerequisites.sh (npm ci from its package-lock.json)");

        var kafka = await DevKafkaProcess.StartAsync(folder, applicationId, 4, cancel);
        running.Add(kafka);
        var gate = new GateProcess("gate", folder, kafka.BootstrapServers, applicationId, 4, Path.Combine(folder, "gate-state"));
        running.Add(gate);
        gate.Environment["SchemaRegistry__Url"] = kafka.SchemaRegistryUrl;
        gate.Environment[$"Api__Keys__{ApiKey}"] = "ACME";
        gate.Start();
        await gate.WaitRunningAsync(TimeSpan.FromSeconds(120), cancel);
        string[] contract = ["--bootstrap", kafka.BootstrapServers, "--registry", kafka.SchemaRegistryUrl, "--schemas", Path.Combine(root, "schemas")];

        // The register feed, from JavaScript: the contract's schemas registered through the endpoint get the gate's ids.
        var feed = await NodeAsync(node!, scripts, "feed", contract, TimeSpan.FromSeconds(90), cancel);
        foreach (var (topic, schema) in SubjectRegistry.ProjectValueSchemas)
        {
            Assert.Equal(TestSchemas.IdOf(schema.ToString()), feed.GetProperty("registered").GetProperty(topic + "-value").GetInt32());
        }
        await WaitForFeedAsync(gate, cancel);

        // The dialer: intents, decisions by intentId, an attempt on a blocked intent, an unreadable record.
        var dial = await NodeAsync(node!, scripts, "dial", [.. contract, "--deadline-seconds", "120"], TimeSpan.FromSeconds(180), cancel);

        Assert.True(dial.GetProperty("complete").GetBoolean(), $"the dialer's deadline passed before it had everything: {dial}");
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), dial.GetProperty("schemaIds").GetProperty("intent").GetInt32());
        var outcomes = dial.GetProperty("outcomes");
        var scheduledAt = dial.GetProperty("scheduledAt").GetInt64();
        AssertDecision(outcomes, "allowed", "ALLOWED", [], "NOT_REGISTERED");
        AssertDecision(outcomes, "registered", "BLOCKED", ["RPO_OPPOSITION"], null);
        AssertDecision(outcomes, "consented", "ALLOWED", [], "CONSENT_AFTER_REGISTRATION");
        AssertDecision(outcomes, "noCallerId", "BLOCKED", ["CALLER_ID_INVALID"], null);
        AssertDecision(outcomes, "invalidSubject", "BLOCKED", ["INVALID_SUBJECT"], null);
        AssertDecision(outcomes, "postal", "ALLOWED", [], "NOT_REGISTERED");
        foreach (var decision in outcomes.EnumerateObject().Select(o => o.Value))
        {
            Assert.Equal(("ACME", "CC-JS", "INTEROP", "it-2024.1"), (Text(decision, "companyId"), Text(decision, "callCenterId"), Text(decision, "campaignId"), Text(decision, "policyVersion")));
            Assert.Equal(scheduledAt, decision.GetProperty("decisionTime").GetInt64());
        }
        Assert.Null(Text(outcomes.GetProperty("invalidSubject"), "subjectRef"));
        Assert.Equal("POSTAL_MAIL", Text(outcomes.GetProperty("postal"), "channel"));
        // Every record was keyed as the gate keys it (the address has an 'ß', and the two keys fall in different partitions of
        // four; the invalid number by its intentId): none took the hop through subject-events.
        var relocated = (await Http.GetStringAsync($"http://127.0.0.1:{gate.Port}/metrics", cancel)).Split('\n')
            .Where(l => l.StartsWith("rpo_input_relocated_total{", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(relocated);
        Assert.All(relocated, l => Assert.EndsWith(" 0", l, StringComparison.Ordinal));

        var alert = Assert.Single(dial.GetProperty("alerts").EnumerateArray());
        Assert.Equal(("CALL_AFTER_BLOCK", "CRITICAL", "ACME", "CC-JS"), (Text(alert, "type"), Text(alert, "severity"), Text(alert, "companyId"), Text(alert, "callCenterId")));
        Assert.Equal(Text(outcomes.GetProperty("registered"), "intentId"), Text(alert, "intentId"));

        var record = dial.GetProperty("unknownSchemaRecord");
        var deadLetter = dial.GetProperty("unknownSchemaDeadLetter");
        Assert.Equal(JsonValueKind.Object, deadLetter.ValueKind);
        Assert.Equal((TopicNames.Intents, record.GetProperty("partition").GetInt32(), record.GetProperty("offset").GetInt64()),
            (Text(deadLetter, "topic"), deadLetter.GetProperty("partition").GetInt32(), deadLetter.GetProperty("offset").GetInt64()));
        Assert.Contains("unknown schema id", Text(deadLetter, "error"), StringComparison.Ordinal);

        var decoded = dial.GetProperty("decoded");
        Assert.True(decoded.GetProperty(TopicNames.Decisions).GetInt32() >= 6 && decoded.GetProperty(TopicNames.Alerts).GetInt32() >= 1 && decoded.GetProperty(TopicNames.DeadLetters).GetInt32() >= 1, $"decoded: {decoded}");
        Assert.Equal(0, dial.GetProperty("undecodable").GetArrayLength());

        // Nothing the outside client sent shows up raw in an output or a log line.
        var outputs = dial.ToString();
        var logs = File.ReadAllText(gate.Current.StdoutPath) + File.ReadAllText(gate.Current.StderrPath) + kafka.Process.ReadStdout();
        foreach (var number in RawNumbers)
        {
            Assert.DoesNotContain(number, outputs, StringComparison.Ordinal);
            Assert.DoesNotContain(number, logs, StringComparison.Ordinal);
        }
    }

    private static void AssertDecision(JsonElement outcomes, string name, string outcome, string[] reasons, string? basis)
    {
        var decision = outcomes.GetProperty(name);
        Assert.True(decision.GetProperty("decided").GetBoolean(), $"{name}: no decision came: {decision}");
        Assert.Equal((outcome, basis), (Text(decision, "outcome"), Text(decision, "basis")));
        Assert.Equal(reasons, decision.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray());
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Runs <c>node dialer.js COMMAND ...</c> until it exits; its last stdout line is its findings.</summary>
    private async Task<JsonElement> NodeAsync(string node, string scripts, string command, string[] arguments, TimeSpan timeout, CancellationToken cancel)
    {
        using var process = ChildProcess.Start($"js-{command}", folder, scripts, node, ["dialer.js", command, .. arguments], new Dictionary<string, string?>());
        await Wait.UntilAsync(() => process.HasExited, process.Output, timeout, $"node dialer.js {command} exiting", cancel, state: () => "\n" + process.Tail());
        Assert.True(process.ExitCode == 0, $"node dialer.js {command} exited with {process.ExitCode}\n{process.Tail()}");
        var last = process.ReadStdout().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(last is not null, $"node dialer.js {command} printed no findings\n{process.Tail()}");
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    /// <summary>
    /// The dialer starts once the gate has the feed: ready (a consultation is in) and, through the check API,
    /// the registration and the consent applied. Neither announces itself: asked on a timer.
    /// </summary>
    private static async Task WaitForFeedAsync(GateProcess gate, CancellationToken cancel)
    {
        var at = OffsetDateTimePattern.ExtendedIso.Format(
            PolicyRules.Default.Window.NextOpen(SystemClock.Instance.GetCurrentInstant() + Duration.FromDays(1)).WithOffset(Offset.Zero));
        string Check(string subject) =>
            $"http://127.0.0.1:{gate.Port}/v1/check?subject={Uri.EscapeDataString(subject)}&companyId=ACME&callerId=%2B390212345678&at={Uri.EscapeDataString(at)}";
        var last = "nothing yet";
        using var tick = Signal.Every(TimeSpan.FromMilliseconds(250));
        await Wait.UntilAsync(
            async () =>
            {
                using var ready = await Http.GetAsync($"http://127.0.0.1:{gate.Port}/health/ready", cancel);
                if (!ready.IsSuccessStatusCode)
                {
                    last = await ready.Content.ReadAsStringAsync(cancel);
                    return false;
                }
                var registered = await CheckAsync(Check("+393471234567"), cancel);
                var consented = await CheckAsync(Check("+393391234567"), cancel);
                last = $"registered: {registered}; consented: {consented}";
                return registered.GetProperty("reasons").EnumerateArray().Any(r => r.GetString() == "RPO_OPPOSITION")
                    && Text(consented, "basis") == "CONSENT_AFTER_REGISTRATION";
            },
            tick, TimeSpan.FromSeconds(120), "the gate having the JavaScript register feed", cancel, state: () => last);
    }

    private static async Task<JsonElement> CheckAsync(string url, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Api-Key", ApiKey);
        using var response = await Http.SendAsync(request, cancel);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancel)).Clone();
    }

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    public void Dispose()
    {
        foreach (var process in Enumerable.Reverse(running))
        {
            process.Dispose();
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
