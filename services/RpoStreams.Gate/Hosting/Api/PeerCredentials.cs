using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>What <see cref="PeerCredentials.Verify"/> made of a peer header.</summary>
public enum PeerVerdict
{
    Valid,
    Malformed,
    OutsideClockWindow,
    BadSignature,
    Replayed,
    /// <summary>The signature was valid, but the body that came is not the one it was made for.</summary>
    BodyMismatch,
}

/// <summary>
/// Proves that a request comes from another instance of the gate: every forwarded request carries
/// <c>X-Rpo-Forwarded: v2.{unix seconds}.{nonce}.{signature}</c>, the signature an HMAC-SHA256 under
/// <c>Api:PeerSecret</c> of the method, the path and query, the API key, the SHA-256 of the body (sent in
/// <see cref="BodyHeader"/>, so the signature is checked before a byte of the body is read; the body is compared with
/// it where it is read), the time and the nonce: neither a forwarded query nor a forwarded batch's numbers can be
/// changed on the way. A header is
/// accepted once (the nonce is remembered) and only within <see cref="ClockWindow"/> of this instance's
/// clock, so one seen on the wire cannot be replayed or carried over to another query. Without a configured
/// secret the instance draws a random one: nobody else can sign, so it neither forwards nor accepts forwards.
/// </summary>
public sealed class PeerCredentials
{
    public const string Header = "X-Rpo-Forwarded";

    /// <summary>The <c>WWW-Authenticate</c> scheme of a refused peer header.</summary>
    public const string Scheme = "RpoPeer";

    /// <summary>Set on a request whose peer header was verified (it is then not rate-limited again).</summary>
    public const string VerifiedItem = "rpo.peer";

    /// <summary>Whether <paramref name="http"/> came from another instance, its peer header verified.</summary>
    public static bool IsVerified(HttpContext http) => http.Items.ContainsKey(VerifiedItem);

    /// <summary>The hex SHA-256 of a signed request's body; absent for a request without one.</summary>
    public const string BodyHeader = "X-Rpo-Body-Sha256";

    /// <summary>Set on a verified request: the body digest its signature covers, for the endpoint that reads the body.</summary>
    public const string BodyDigestItem = "rpo.peer.body";

    /// <summary>The digest of <paramref name="body"/> as <see cref="BodyHeader"/> carries it.</summary>
    public static string DigestOf(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>The digest of no body: what the signature of a request without <see cref="BodyHeader"/> covers.</summary>
    public static readonly string NoBody = DigestOf([]);

    /// <summary>How far a peer's clock may be from this one's.</summary>
    public static readonly TimeSpan ClockWindow = TimeSpan.FromSeconds(30);

    private const string Version = "v2";
    private static readonly TimeSpan PruneEvery = TimeSpan.FromSeconds(10);

    private readonly byte[] key;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, long> seenNonces = new(StringComparer.Ordinal);
    private long nextPrune;

    public PeerCredentials(string? secret, TimeProvider? clock = null)
    {
        IsEphemeral = string.IsNullOrEmpty(secret);
        key = IsEphemeral ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(secret!);
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>True when no secret was configured and this instance drew its own: it cannot talk to peers.</summary>
    public bool IsEphemeral { get; }

    /// <summary>The header value for one request (<paramref name="body"/>: none when empty).</summary>
    public string Sign(string method, string pathAndQuery, string? apiKey, ReadOnlySpan<byte> body = default)
    {
        var seconds = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return $"{Version}.{seconds}.{nonce}.{Convert.ToHexStringLower(Mac(method, pathAndQuery, apiKey, DigestOf(body), seconds, nonce))}";
    }

    /// <summary>
    /// Signs an outgoing request: its method, path and query, <c>X-Api-Key</c> header and body (read into the request's
    /// buffer, so the bytes sent are the bytes signed, and its digest sent in <see cref="BodyHeader"/>).
    /// </summary>
    public async Task SignAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        var apiKey = request.Headers.TryGetValues(CheckEndpoints.ApiKeyHeader, out var keys) ? keys.FirstOrDefault() : null;
        var body = request.Content switch { null => [], PeerBody known => known.Bytes, var content => await content.ReadAsByteArrayAsync(cancel) };
        request.Headers.Remove(Header);
        request.Headers.Remove(BodyHeader);
        request.Headers.Add(Header, Sign(request.Method.Method, request.RequestUri!.PathAndQuery, apiKey, body));
        if (body.Length > 0)
        {
            request.Headers.Add(BodyHeader, DigestOf(body));
        }
    }

    /// <summary>
    /// Checks a header against the request it came with, whose body digest is <paramref name="bodyDigest"/> (its
    /// <see cref="BodyHeader"/>; null for none, an empty body); a valid header is then spent. Whether the body matches
    /// the digest is for the reader of the body to check.
    /// </summary>
    public PeerVerdict Verify(string? header, string method, string pathAndQuery, string? apiKey, string? bodyDigest = null)
    {
        var parts = (header ?? string.Empty).Split('.');
        if (parts.Length != 4 || parts[0] != Version || parts[2].Length != 32 || parts[3].Length != 64
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (bodyDigest is not null && (bodyDigest.Length != 64 || !bodyDigest.All(char.IsAsciiHexDigitLower))))
        {
            return PeerVerdict.Malformed;
        }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > ClockWindow.TotalSeconds)
        {
            return PeerVerdict.OutsideClockWindow;
        }
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(parts[3]);
        }
        catch (FormatException)
        {
            return PeerVerdict.Malformed;
        }
        if (!CryptographicOperations.FixedTimeEquals(presented, Mac(method, pathAndQuery, apiKey, bodyDigest ?? NoBody, parts[1], parts[2])))
        {
            return PeerVerdict.BadSignature;
        }
        Prune(now);
        // Remembered until its time leaves the window, after which the clock check refuses it anyway.
        return seenNonces.TryAdd(parts[2], seconds + (long)ClockWindow.TotalSeconds) ? PeerVerdict.Valid : PeerVerdict.Replayed;
    }

    private byte[] Mac(string method, string pathAndQuery, string? apiKey, string bodyDigest, string seconds, string nonce) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"rpo-peer-{Version}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{apiKey}\n{bodyDigest}\n{seconds}\n{nonce}"));

    private void Prune(long now)
    {
        var due = Interlocked.Read(ref nextPrune);
        if (now < due || Interlocked.CompareExchange(ref nextPrune, now + (long)PruneEvery.TotalSeconds, due) != due)
        {
            return;
        }
        foreach (var (nonce, until) in seenNonces)
        {
            if (until < now)
            {
                seenNonces.TryRemove(nonce, out _);
            }
        }
    }
}

/// <summary>A request body already in memory, signed as it is (<see cref="PeerCredentials.SignAsync"/> copies any other into a buffer first).</summary>
public sealed class PeerBody(byte[] bytes) : ByteArrayContent(bytes)
{
    public byte[] Bytes { get; } = bytes;
}
