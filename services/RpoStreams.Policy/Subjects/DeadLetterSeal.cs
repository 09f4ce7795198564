using System.Security.Cryptography;

namespace RpoStreams.Policy.Subjects;

/// <summary>
/// Seals the original bytes of a dead letter with AES-256-GCM under a key derived (HKDF-SHA256) from
/// the subject-hash secret, so the dead-letter topic keeps what is needed to repair and replay a
/// record without showing a raw number to whoever can read the topic. Layout: 12-byte nonce, ciphertext, 16-byte tag.
/// </summary>
public sealed class DeadLetterSeal
{
    private readonly byte[] key;

    public DeadLetterSeal(SubjectHasher hasher)
    {
        key = HKDF.DeriveKey(HashAlgorithmName.SHA256, hasher.Key.ToArray(), 32, info: "rpo-deadletter-seal-v1"u8.ToArray());
    }

    public byte[]? Seal(byte[]? plain)
    {
        if (plain is null)
        {
            return null;
        }
        var sealedBytes = new byte[12 + plain.Length + 16];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length));
        return sealedBytes;
    }

    public byte[]? Unseal(byte[]? sealedBytes)
    {
        if (sealedBytes is null)
        {
            return null;
        }
        if (sealedBytes.Length < 28)
        {
            throw new CryptographicException("sealed dead-letter bytes are too short");
        }
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length), plain);
        return plain;
    }
}
