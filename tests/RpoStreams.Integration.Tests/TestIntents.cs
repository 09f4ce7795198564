using NodaTime;
using RpoStreams.Records;

namespace RpoStreams.Integration.Tests;

/// <summary>The intent the integration tests send: ACME's promotional phone call through CC-1, from a valid caller line.</summary>
public static class TestIntents
{
    public static CallIntent Phone(string id, string subject, Instant at) => new()
    {
        intentId = id,
        companyId = "ACME",
        callCenterId = "CC-1",
        campaignId = "IT",
        channel = Channel.PHONE,
        subject = subject,
        callerId = "+390212345678",
        purpose = Purpose.PROMOTIONAL,
        scheduledAt = at.ToAvro(),
    };
}
