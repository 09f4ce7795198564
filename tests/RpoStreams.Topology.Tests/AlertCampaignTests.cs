using NodaTime;
using RpoStreams.Records;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

public class AlertCampaignTests(ITestOutputHelper output)
{
    private static readonly Instant Tuesday10 = Rome_(2026, 3, 10, 10);

    [Fact]
    public void An_alert_about_another_companys_call_does_not_name_the_intents_companys_campaign()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        // ACME's intent, ALLOWED (not registered) and one BLOCKED (registered)
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10, company: "ACME", campaign: "ACME-SECRET-LAUNCH"));
        gate.Register("+393482000002", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Intent(Intent("i-2", "+393482000002", Tuesday10, company: "ACME", campaign: "ACME-SECRET-LAUNCH"));
        // GLOBEX dials those numbers naming ACME's intents, without a campaign
        var a1 = Attempt("a-1", "i-1", "+393482000001", Tuesday10 + Duration.FromSeconds(30), company: "GLOBEX");
        a1.campaignId = null;
        gate.Attempt(a1);
        var a2 = Attempt("a-2", "i-2", "+393482000002", Tuesday10 + Duration.FromSeconds(30), company: "GLOBEX");
        a2.campaignId = null;
        gate.Attempt(a2);

        var alerts = gate.Alerts();
        foreach (var a in alerts) output.WriteLine($"{a.type} {a.attemptId} company={a.companyId} campaign={a.campaignId}");
        // Both calls are alerts about GLOBEX (an intent of another company clears nothing), and neither names ACME's campaign
        Assert.Equal([("a-1", AlertType.CALL_WITHOUT_CLEARANCE), ("a-2", AlertType.CALL_AFTER_BLOCK)], alerts.Select(a => (a.attemptId, a.type)).Order());
        Assert.All(alerts, a => Assert.Equal("GLOBEX", a.companyId));
        Assert.All(alerts, a => Assert.Null(a.campaignId));
    }
}
