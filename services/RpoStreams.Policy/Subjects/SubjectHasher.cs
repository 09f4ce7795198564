using System.Security.Cryptography;
using System.Text;
using RpoStreams.Records;

namespace RpoStreams.Policy.Subjects;

/// <summary>
/// Computes <c>subjectRef</c>: HMAC-SHA256, keyed with a configured secret, of the normalized subject
/// and its type, as 32 lowercase hex characters (128 bits). Outputs, logs and state keys carry this
/// instead of a number or address; without the secret it cannot be reversed by trying all numbers.
/// </summary>
public sealed class SubjectHasher
{
    private readonly byte[] key;

    /// <summary>The keyed HMAC this thread used last, reused while the key is the same: setting a key up costs more than hashing a number.</summary>
    [ThreadStatic]
    private static (byte[] Key, IncrementalHash Hash)? lastHmac;

    public SubjectHasher(string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            throw new ArgumentException("the subject hash secret is empty", nameof(secret));
        }
        key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The secret's bytes, for deriving other keys (the dead-letter sealing key).</summary>
    internal ReadOnlySpan<byte> Key => key;

    public string RefOf(NormalizedSubject subject)
    {
        var prefix = subject.Type == SubjectType.PHONE ? "tel:" : "adr:";
        var byteCount = Encoding.UTF8.GetByteCount(subject.Value) + prefix.Length;
        Span<byte> input = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.ASCII.GetBytes(prefix, input);
        Encoding.UTF8.GetBytes(subject.Value, input[prefix.Length..]);
        Span<byte> mac = stackalloc byte[32];
        var hash = Hmac();
        hash.AppendData(input);
        hash.GetHashAndReset(mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    private IncrementalHash Hmac()
    {
        if (lastHmac is { } last && ReferenceEquals(last.Key, key))
        {
            return last.Hash;
        }
        lastHmac?.Hash.Dispose();
        var hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        lastHmac = (key, hash);
        return hash;
    }
}
