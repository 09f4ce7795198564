using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Integration.Tests;

/// <summary>What /health/ready and /health/live answer, and why (README: ready only with a register consultation within its validity).</summary>
public sealed class HealthTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 7, 9, 0);
    private static readonly GateConfiguration Config = new() { Development = true };

    private static GateRuntime Running()
    {
        var runtime = new GateRuntime();
        runtime.SetState("RUNNING");
        return runtime;
    }

    private static (int Status, string Body) Answer(IResult result)
    {
        var status = Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode ?? 200;
        var value = Assert.IsAssignableFrom<IValueHttpResult>(result).Value;
        return (status, System.Text.Json.JsonSerializer.Serialize(value));
    }

    [Fact]
    public void A_running_gate_without_a_register_consultation_is_not_ready_and_says_why()
    {
        var (status, body) = Answer(Health.Ready(Running(), Config, Now, latest: null));

        Assert.Equal(503, status);
        Assert.Contains("no register consultation yet", body, StringComparison.Ordinal);
    }

    [Fact]
    public void A_consultation_one_millisecond_past_its_validity_makes_the_gate_unready_and_one_within_it_ready()
    {
        var validity = Duration.FromDays(Config.Policy.ConsultationValidityDays);

        var (stale, staleBody) = Answer(Health.Ready(Running(), Config, Now, Now - validity - Duration.FromMilliseconds(1)));
        var (fresh, freshBody) = Answer(Health.Ready(Running(), Config, Now, Now - validity));

        Assert.Equal(503, stale);
        Assert.Contains("REGISTER_STALE", staleBody, StringComparison.Ordinal);
        Assert.Equal(200, fresh);
        Assert.Contains("\"status\":\"ready\"", freshBody, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gate_still_rebalancing_is_not_ready_whatever_its_consultation()
    {
        var runtime = new GateRuntime();
        runtime.SetState("REBALANCING");

        var (status, body) = Answer(Health.Ready(runtime, Config, Now, Now));

        Assert.Equal(503, status);
        Assert.Contains("partitions are being assigned", body, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gate_whose_stream_failed_is_not_alive_and_says_why()
    {
        var runtime = Running();
        Assert.Equal(200, Answer(Health.Live(runtime)).Status);

        runtime.Fail("a stream thread stopped: test");
        var (status, body) = Answer(Health.Live(runtime));

        Assert.Equal(503, status);
        Assert.Contains("a stream thread stopped: test", body, StringComparison.Ordinal);
    }
}
