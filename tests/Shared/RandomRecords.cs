using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Tests.Shared;

/// <summary>
/// Random records for round-trip tests: nulls, empty and long arrays, non-ASCII text, times from 1900 to 2200
/// with sub-millisecond ticks (compiled into the test projects that need them).
/// </summary>
internal static class RandomRecords
{
    public static CallIntent Intent(Random r) => new()
    {
        intentId = Text(r),
        companyId = Text(r),
        callCenterId = Text(r),
        campaignId = Maybe(r, Text),
        channel = Pick<Channel>(r),
        subject = Text(r),
        callerId = Maybe(r, Text),
        purpose = Pick<Purpose>(r),
        scheduledAt = Time(r),
    };

    public static CallDecision Decision(Random r) => new()
    {
        intentId = Text(r),
        outcome = Pick<Outcome>(r),
        reasons = [.. Enumerable.Range(0, r.Next(4)).Select(_ => Pick<Reason>(r))],
        basis = r.Next(2) == 0 ? null : Pick<Basis>(r),
        companyId = Text(r),
        callCenterId = Text(r),
        campaignId = Maybe(r, Text),
        channel = Pick<Channel>(r),
        purpose = Pick<Purpose>(r),
        subjectRef = Maybe(r, Text),
        decisionTime = Time(r),
        decidedAt = Time(r),
        policyVersion = Text(r),
        intentPartition = r.Next(2) == 0 ? null : r.Next(int.MinValue, int.MaxValue),
        intentOffset = r.Next(2) == 0 ? null : r.NextInt64(long.MinValue, long.MaxValue),
    };

    public static SubjectState State(Random r) => new()
    {
        register = r.Next(3) == 0 ? null : new RegisterState
        {
            status = Pick<RegisterAction>(r),
            effectiveAt = Time(r),
            registeredAt = r.Next(2) == 0 ? null : Time(r),
            earlier = [.. Enumerable.Range(0, r.Next(3)).Select(_ => new RegisterStep { status = Pick<RegisterAction>(r), effectiveAt = Time(r) })],
            complete = r.Next(2) == 0,
        },
        consents = r.Next(3) == 0 ? null : new SubjectConsents
        {
            consents = [.. Enumerable.Range(0, r.Next(5)).Select(_ => new CompanyConsent
            {
                companyId = Text(r),
                action = Pick<ConsentAction>(r),
                basis = r.Next(2) == 0 ? null : Pick<ConsentBasis>(r),
                at = Time(r),
                contractEndedAt = r.Next(2) == 0 ? null : Time(r),
                earlier = [.. Enumerable.Range(0, r.Next(3)).Select(_ => new ConsentStep
                {
                    action = Pick<ConsentAction>(r),
                    basis = r.Next(2) == 0 ? null : Pick<ConsentBasis>(r),
                    at = Time(r),
                    contractEndedAt = r.Next(2) == 0 ? null : Time(r),
                    arrivedAt = r.Next(2) == 0 ? null : Time(r),
                })],
                complete = r.Next(2) == 0,
                arrivedAt = r.Next(2) == 0 ? null : Time(r),
            })],
        },
        contacts = r.Next(3) == 0 ? null : new ContactHistory
        {
            contacts = [.. Enumerable.Range(0, r.Next(80)).Select(_ => new Contact { companyId = Text(r), intentId = Text(r), at = Time(r) })],
        },
        decisions = r.Next(3) == 0 ? null : [.. Enumerable.Range(0, r.Next(70)).Select(_ => new KnownDecision
        {
            intentId = Text(r),
            decision = [.. Enumerable.Range(0, r.Next(300)).Select(_ => (byte)r.Next(256))],
            keepUntil = Time(r),
            sourcePartition = r.Next(int.MinValue, int.MaxValue),
            sourceOffset = r.NextInt64(long.MinValue, long.MaxValue),
        })],
    };

    public static CampaignCount Count(Random r) => new()
    {
        companyId = Text(r),
        campaignId = Maybe(r, Text),
        hourStart = Time(r),
        decisions = r.Next(int.MinValue, int.MaxValue),
        rpoBlocked = r.Next(),
        sentDecisions = r.Next(1000),
        sentRpoBlocked = r.Next(-5, 5),
        latestArrival = Time(r),
        entries = [.. Enumerable.Range(0, r.Next(3) == 0 ? 0 : r.Next(300)).Select(_ => new CampaignEntry
        {
            intentId = Text(r),
            callCenterId = Text(r),
            subjectRef = Maybe(r, Text),
            rpoBlocked = r.Next(2) == 0,
        })],
    };

    private static readonly string[] Alphabet = ["a", "Z", "0", "-", " ", "è", "ß", "€", "日本", "😀", "\0"];

    private static string Text(Random r) => string.Concat(Enumerable.Range(0, r.Next(r.Next(4) == 0 ? 200 : 20)).Select(_ => Alphabet[r.Next(Alphabet.Length)]));

    private static string? Maybe(Random r, Func<Random, string> make) => r.Next(2) == 0 ? null : make(r);

    private static T Pick<T>(Random r) where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        return values[r.Next(values.Length)];
    }

    /// <summary>Times from 1900 to 2200, UTC, with sub-millisecond ticks half of the time.</summary>
    private static DateTime Time(Random r)
    {
        var ticks = r.NextInt64(new DateTime(1900, 1, 1).Ticks, new DateTime(2200, 1, 1).Ticks);
        return new DateTime(r.Next(2) == 0 ? ticks - (ticks % TimeSpan.TicksPerMillisecond) : ticks, DateTimeKind.Utc);
    }
}
