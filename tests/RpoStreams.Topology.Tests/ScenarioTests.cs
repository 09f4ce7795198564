using System.Text.Json;
using System.Text.Json.Nodes;
using RpoStreams.Cli.Replay;

namespace RpoStreams.Topology.Tests;

/// <summary>The public scenarios (copied from ../shared/scenarios) and our own through the replay engine, compared as the shared check does.</summary>
public class ScenarioTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.jsonl").OrderBy(f => f))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario_replays_to_its_expected_output(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Scenarios");
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(File.ReadLines(Path.Combine(folder, name + ".jsonl")), output.Add);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, name + ".expected.json")))!.AsObject();

        var problems = ScenarioCheck.Compare(expected, output);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>A line without arrivedAt arrives at its own event time: saying so explicitly changes nothing.</summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Arrival_defaults_to_the_event_time(string name)
    {
        var lines = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Scenarios", name + ".jsonl")).ToList();
        Assert.Equal(Replay(lines), Replay(lines.Select(WithArrival)));
    }

    private static string WithArrival(string line)
    {
        JsonObject? o;
        try
        {
            o = string.IsNullOrWhiteSpace(line) ? null : JsonNode.Parse(line) as JsonObject;
            // A field given twice throws only when the object is first read: such a line stays as it is.
            _ = o?.ContainsKey("arrivedAt");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            o = null;
        }
        if (o is null || o.ContainsKey("arrivedAt"))
        {
            return line;
        }
        var eventTime = (o["type"] as JsonValue)?.TryGetValue<string>(out var type) == true ? type switch
        {
            "intent" => o["scheduledAt"],
            "attempt" => o["startedAt"],
            "register" => o["effectiveAt"],
            "consent" => o["at"],
            _ => null,
        } : null;
        if (eventTime is not JsonValue value || !value.TryGetValue<string>(out _))
        {
            return line;
        }
        o["arrivedAt"] = eventTime.DeepClone();
        return o.ToJsonString();
    }

    private static string Replay(IEnumerable<string> lines)
    {
        var output = new List<string>();
        new ScenarioReplay().Run(lines, o => output.Add(ScenarioReplay.ToLine(o)));
        return string.Join('\n', output);
    }

    /// <summary>
    /// DESIGN: output "in emission order". An intent that moves stream time past a pending attempt's grace sends that
    /// attempt's alert before its own decision (the gate expires what is due before it reads a record), and replay
    /// prints them so, although the test driver keeps decisions and alerts in separate lists.
    /// </summary>
    [Fact]
    public void Replay_prints_outputs_in_emission_order()
    {
        string[] lines =
        [
            """{"type":"consultation","consultedAt":"2026-03-09T08:00:00+01:00"}""",
            """{"type":"attempt","attemptId":"a-1","intentId":"i-0","companyId":"ACME","callCenterId":"CC-1","subject":"+393331234567","callerId":"+390212345678","startedAt":"2026-03-10T10:00:00+01:00"}""",
            """{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","campaignId":"SPRING","channel":"PHONE","subject":"+393331234567","callerId":"+390212345678","purpose":"PROMOTIONAL","scheduledAt":"2026-03-10T10:01:01+01:00"}""",
            """{"type":"intent","intentId":"i-2","companyId":"ACME","callCenterId":"CC-1","channel":"PHONE","subject":"+393331234567"}""",
        ];
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(lines, output.Add);

        Assert.Equal(
            ["alert CALL_WITHOUT_CLEARANCE a-1", "decision i-1", "deadletter 4"],
            output.Select(o => (string?)o["kind"] switch
            {
                "alert" => $"alert {o["type"]} {o["attemptId"]}",
                "decision" => $"decision {o["intentId"]}",
                _ => $"deadletter {o["line"]}",
            }));
    }

    /// <summary>
    /// DESIGN: "Timestamps are ISO-8601 with an offset"; ISO-8601 lets the seconds be left out. The wire carries
    /// milliseconds: finer digits are cut, never rounded up across a boundary (the calling hours open at 09:00).
    /// </summary>
    [Theory]
    [InlineData("2026-03-10T10:00+01:00", "decision i-1")]
    [InlineData("2026-03-10T09:00Z", "decision i-1")]
    [InlineData("2026-03-10T10:00:00.5+01:00", "decision i-1")]
    [InlineData("2026-03-10T10+01:00", "deadletter 2")]
    [InlineData("2026-03-10T10:00", "deadletter 2")]
    [InlineData("2026-03-10T08:59:59.9999999+01:00", "decision i-1", "BLOCKED")]
    [InlineData("2026-03-10T09:00:00.0009+01:00", "decision i-1")]
    [InlineData("2026-03-10T08:59:59.9999999999+01:00", "decision i-1", "BLOCKED")]
    [InlineData("2026-03-10T09:00:00.00000000001+01:00", "decision i-1")]
    public void Replay_reads_timestamps_with_or_without_seconds(string scheduledAt, string expected, string outcome = "ALLOWED")
    {
        string[] lines =
        [
            """{"type":"consultation","consultedAt":"2026-03-09T08:00+01:00"}""",
            $$"""{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","channel":"PHONE","subject":"+393331234567","callerId":"+390212345678","purpose":"PROMOTIONAL","scheduledAt":"{{scheduledAt}}"}""",
        ];
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(lines, output.Add);

        var only = Assert.Single(output);
        Assert.Equal(expected, (string?)only["kind"] == "decision" ? $"decision {only["intentId"]}" : $"deadletter {only["line"]}");
        if ((string?)only["kind"] == "decision")
        {
            Assert.Equal(outcome, (string?)only["outcome"]);
        }
    }

    /// <summary>DESIGN: one object per "dead letter"; the consultations' global store refuses one dated after its own report.</summary>
    [Fact]
    public void Replay_writes_a_consultation_the_gate_refuses_as_a_dead_letter()
    {
        string[] lines =
        [
            """{"type":"consultation","consultedAt":"2026-03-09T08:00:00+01:00","arrivedAt":"2026-03-09T07:54:00+01:00"}""",
            """{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","channel":"PHONE","subject":"+393331234567","callerId":"+390212345678","purpose":"PROMOTIONAL","scheduledAt":"2026-03-10T10:00:00+01:00"}""",
        ];
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(lines, output.Add);

        Assert.Equal("deadletter", (string?)output[0]["kind"]);
        Assert.Equal(1, (int?)output[0]["line"]);
        Assert.Equal("rpo.register.consultations.v1", (string?)output[0]["topic"]);
        Assert.Contains("Intake:MaxClockAheadMinutes", (string?)output[0]["error"], StringComparison.Ordinal);
        Assert.Contains(output, o => (string?)o["intentId"] == "i-1" && (string?)o["outcome"] == "BLOCKED");
    }

    /// <summary>
    /// A text that says one time is past another shows both to the millisecond: without the fraction, a consultation
    /// 5 minutes and 1 ms ahead read as exactly 5 minutes ahead, an arrival 15 days and 1 ms after a consultation as
    /// exactly 15 days after it, and an event 366 days and 1 ms back as a whole second earlier than it was.
    /// </summary>
    [Theory]
    [InlineData("""{"type":"consultation","consultedAt":"2026-03-10T10:05:00.001+01:00","arrivedAt":"2026-03-10T10:00:00+01:00"}""",
        "consultedAt 2026-03-10T09:05:00.001Z is more than 5 minutes after the record was produced (2026-03-10T09:00:00Z)")]
    [InlineData("""{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","channel":"PHONE","subject":"+393331234567","callerId":"+390212345678","purpose":"PROMOTIONAL","scheduledAt":"2025-03-08T09:59:59.999+01:00","arrivedAt":"2026-03-09T10:00:00+01:00"}""",
        "event time 2025-03-08T08:59:59.999Z is more than 366 days before the record was produced")]
    [InlineData("""{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","channel":"PHONE","subject":"+393331234567","callerId":"+390212345678","purpose":"PROMOTIONAL","scheduledAt":"2026-03-24T10:00:00.001+01:00"}""",
        "(2026-03-09T09:00:00Z) was more than 15 days old when intent i-1 arrived (2026-03-24T09:00:00.001Z)")]
    public void Texts_that_compare_two_times_show_their_milliseconds(string line, string text)
    {
        string[] lines = ["""{"type":"consultation","consultedAt":"2026-03-09T10:00:00+01:00"}""", line];
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(lines, output.Add);

        Assert.Contains(output, o => ((string?)o["error"] ?? (string?)o["details"] ?? string.Empty).Contains(text, StringComparison.Ordinal));
    }

    /// <summary>An unknown type or enum value is repeated only when it could be a misspelt one: a value in the wrong field can be a number.</summary>
    [Theory]
    [InlineData("PHONEE", "'channel' has unknown value 'PHONEE' (expected PHONE, POSTAL_MAIL)")]
    [InlineData("333\u2013123\u20134567", "'channel' has unknown value (expected PHONE, POSTAL_MAIL)")]
    [InlineData("Via Roma 1, 00100 Roma", "'channel' has unknown value (expected PHONE, POSTAL_MAIL)")]
    public void An_unknown_value_is_repeated_only_when_it_looks_like_a_name(string channel, string error)
    {
        string[] lines =
        [
            $$"""{"type":"intent","intentId":"i-1","companyId":"ACME","callCenterId":"CC-1","channel":"{{channel}}","subject":"+393331234567","scheduledAt":"2026-03-10T10:00:00+01:00"}""",
        ];
        var output = new List<JsonObject>();
        new ScenarioReplay().Run(lines, output.Add);

        Assert.Equal("intent: " + error, (string?)Assert.Single(output)["error"]);
    }

    [Fact]
    public void Replay_is_deterministic()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "Scenarios", "attempts-raise-alerts.jsonl");
        string Run()
        {
            var lines = new List<string>();
            new ScenarioReplay().Run(File.ReadLines(file), o => lines.Add(ScenarioReplay.ToLine(o)));
            return string.Join('\n', lines);
        }

        Assert.Equal(Run(), Run());
    }
}

/// <summary>The comparison of ../shared/scenarios/check, in C#.</summary>
public static class ScenarioCheck
{
    public static List<string> Compare(JsonObject expected, IReadOnlyList<JsonObject> output)
    {
        var problems = new List<string>();
        var decisions = output.Where(o => (string?)o["kind"] == "decision").GroupBy(o => (string?)o["intentId"] ?? "").ToDictionary(g => g.Key, g => g.ToList());
        var alerts = output.Where(o => (string?)o["kind"] == "alert").ToList();
        var dead = output.Count(o => (string?)o["kind"] == "deadletter");
        var want = expected["decisions"]?.AsObject() ?? [];
        foreach (var (intent, node) in want)
        {
            var exp = node!.AsObject();
            if (!decisions.TryGetValue(intent, out var got) || got.Count != 1)
            {
                problems.Add($"{intent}: {(decisions.TryGetValue(intent, out var g) ? g.Count : 0)} decisions, expected 1");
                continue;
            }
            var d = got[0];
            if ((string?)d["outcome"] != (string?)exp["outcome"])
            {
                problems.Add($"{intent}: outcome {d["outcome"]}, expected {exp["outcome"]}");
            }
            var reasons = d["reasons"]!.AsArray().Select(r => (string)r!).ToHashSet();
            var wantReasons = (exp["reasons"]?.AsArray() ?? []).Select(r => (string)r!).ToHashSet();
            if (!reasons.SetEquals(wantReasons))
            {
                problems.Add($"{intent}: reasons [{string.Join(",", reasons)}], expected [{string.Join(",", wantReasons)}]");
            }
            if (exp.ContainsKey("basis") && (string?)d["basis"] != (string?)exp["basis"])
            {
                problems.Add($"{intent}: basis {d["basis"]}, expected {exp["basis"]}");
            }
        }
        problems.AddRange(decisions.Keys.Where(k => !want.ContainsKey(k)).Select(k => $"{k}: unexpected decision"));
        var left = alerts.ToList();
        foreach (var node in expected["alerts"]?.AsArray() ?? [])
        {
            var exp = node!.AsObject();
            var hit = left.FirstOrDefault(a => exp.All(kv => JsonNode.DeepEquals(a[kv.Key], kv.Value)));
            if (hit is null)
            {
                problems.Add($"missing alert {exp.ToJsonString()}");
            }
            else
            {
                left.Remove(hit);
            }
        }
        problems.AddRange(left.Select(a => $"unexpected alert {a.ToJsonString()}"));
        if (expected["deadletters"] is { } deadWanted && (int)deadWanted != dead)
        {
            problems.Add($"{dead} dead letters, expected {deadWanted}");
        }
        return problems;
    }
}
