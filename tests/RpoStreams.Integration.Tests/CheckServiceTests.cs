using NodaTime;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Records;
using Streamiz.Kafka.Net.Errors;

namespace RpoStreams.Integration.Tests;

/// <summary>The check service without its subject store (a rebalance): never an answer made without the subject's state.</summary>
public sealed class CheckServiceTests
{
    private readonly CheckService service = new(new GateRuntime(), new GateConfiguration { Development = true });

    private static CheckQuery Query(string subject) =>
        new(subject, "ACME", Channel.PHONE, Purpose.PROMOTIONAL, SystemClock.Instance.GetCurrentInstant(), "+390212345678");

    [Fact]
    public void A_valid_subject_without_the_store_is_a_store_moving_error_to_retry()
    {
        Assert.Throws<InvalidStateStoreException>(() => service.Answer(Query("+393331234567")));
    }

    [Fact]
    public void A_subject_that_cannot_be_normalized_needs_no_store_and_is_blocked()
    {
        var answer = service.Answer(Query("12345"));

        Assert.Equal("BLOCKED", answer.Outcome);
        Assert.Contains("INVALID_SUBJECT", answer.Reasons);
    }
}
