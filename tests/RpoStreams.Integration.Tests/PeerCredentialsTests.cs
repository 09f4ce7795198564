using Microsoft.Extensions.DependencyInjection;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Integration.Tests;

/// <summary>Peer signatures: per request, once, within the clock window, under a secret no public constant gives away.</summary>
public class PeerCredentialsTests
{
    private const string Secret = "peer-credentials-tests-secret-0123456789";
    private const string Path = "/v1/check?subject=%2B393331234567&companyId=ACME";

    [Fact]
    public void A_signature_is_accepted_once_for_the_request_it_was_made_for()
    {
        var peers = new PeerCredentials(Secret);
        var header = new PeerCredentials(Secret).Sign("GET", Path, "key-1");

        Assert.Equal(PeerVerdict.BadSignature, peers.Verify(header, "GET", Path + "&purpose=SERVICE", "key-1"));
        Assert.Equal(PeerVerdict.BadSignature, peers.Verify(header, "POST", Path, "key-1"));
        Assert.Equal(PeerVerdict.BadSignature, peers.Verify(header, "GET", Path, "key-2"));
        Assert.Equal(PeerVerdict.BadSignature, peers.Verify(header, "GET", Path, "key-1", PeerCredentials.DigestOf("{}"u8)));
        Assert.Equal(PeerVerdict.Malformed, peers.Verify(header, "GET", Path, "key-1", "not-a-digest"));
        Assert.Equal(PeerVerdict.Valid, peers.Verify(header, "GET", Path, "key-1"));
        Assert.Equal(PeerVerdict.Replayed, peers.Verify(header, "GET", Path, "key-1"));
    }

    [Theory]
    [InlineData(-31, PeerVerdict.OutsideClockWindow)]
    [InlineData(31, PeerVerdict.OutsideClockWindow)]
    [InlineData(-29, PeerVerdict.Valid)]
    [InlineData(29, PeerVerdict.Valid)]
    [InlineData(-30, PeerVerdict.Valid)]
    [InlineData(30, PeerVerdict.Valid)]
    public void A_signature_is_accepted_only_within_the_clock_window(int offsetSeconds, PeerVerdict expected)
    {
        // Both clocks frozen: signatures carry whole seconds, so a second ending between signing and verifying would make 31 s read 30.
        var now = new DateTimeOffset(2026, 3, 2, 10, 15, 30, 500, TimeSpan.Zero);
        var header = new PeerCredentials(Secret, new Frozen(now.AddSeconds(offsetSeconds))).Sign("GET", Path, null);

        Assert.Equal(expected, new PeerCredentials(Secret, new Frozen(now)).Verify(header, "GET", Path, null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("v1.1.2.3")]
    [InlineData("v3.1700000000.00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("v1.1700000000.00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("v1.-5.00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000")]
    public void Anything_else_is_malformed(string? header)
    {
        Assert.Equal(PeerVerdict.Malformed, new PeerCredentials(Secret).Verify(header, "GET", Path, null));
    }

    [Fact]
    public void Without_a_configured_secret_each_instance_draws_its_own_and_none_can_sign_for_another()
    {
        var one = new PeerCredentials(null);
        var other = new PeerCredentials(null);
        var fromDevelopmentSecret = new PeerCredentials(SubjectSettings.DevelopmentSecret);

        Assert.True(one.IsEphemeral);
        Assert.Equal(PeerVerdict.BadSignature, other.Verify(one.Sign("GET", Path, null), "GET", Path, null));
        Assert.Equal(PeerVerdict.BadSignature, one.Verify(fromDevelopmentSecret.Sign("GET", Path, null), "GET", Path, null));
    }

    [Fact]
    public void Peers_outside_Development_need_a_secret_of_32_characters_or_more()
    {
        var peers = new ApiSettings { PeerDns = "rpo-gate-headless" };
        var shortSecret = new ApiSettings { Peers = "http://rpo-gate-1:8080", PeerSecret = "too-short" };

        Assert.Contains(peers.Validate(development: false), p => p.StartsWith("Api:PeerSecret is required outside Development", StringComparison.Ordinal));
        Assert.Empty(peers.Validate(development: true));
        Assert.Empty(new ApiSettings().Validate(development: false));
        Assert.Contains("Api:PeerSecret must be at least 32 characters", shortSecret.Validate(development: true));
    }

    [Fact]
    public void An_instance_without_a_peer_secret_does_not_forward()
    {
        var settings = new ApiSettings { Peers = "http://127.0.0.1:1" };
        using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var clients = services.GetRequiredService<IHttpClientFactory>();

        var ephemeral = new PeerDirectory(settings, clients, new PeerCredentials(null), Microsoft.Extensions.Logging.Abstractions.NullLogger<PeerDirectory>.Instance);
        var configured = new PeerDirectory(settings, clients, new PeerCredentials(Secret), Microsoft.Extensions.Logging.Abstractions.NullLogger<PeerDirectory>.Instance);

        Assert.False(ephemeral.HasPeers);
        Assert.True(configured.HasPeers);
    }

    private sealed class Frozen(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
