using Confluent.SchemaRegistry;

namespace RpoStreams.Contracts.Serialization;

/// <summary>Settings under <c>SchemaRegistry</c>.</summary>
public sealed class SchemaRegistrySettings
{
    /// <summary>Schema Registry URL; empty means the local registry built from schemas/.</summary>
    public string? Url { get; set; }

    /// <summary>Register the gate's schemas on first use (real registry only).</summary>
    public bool AutoRegisterSchemas { get; set; } = true;

    /// <summary><c>user:password</c> for basic authentication.</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>CA certificate file for a registry behind TLS.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Client certificate (PKCS#12) for mutual TLS.</summary>
    public string? SslKeystoreLocation { get; set; }

    /// <summary>Password of <see cref="SslKeystoreLocation"/>.</summary>
    public string? SslKeystorePassword { get; set; }

    /// <summary>True when a real registry is configured.</summary>
    public bool IsRemote => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>Creates the registry client the serdes use: a real one when a URL is set, else the local one.</summary>
public static class SchemaRegistries
{
    public static ISchemaRegistryClient Create(SchemaRegistrySettings settings)
    {
        if (!settings.IsRemote)
        {
            return new LocalSchemaRegistry();
        }
        var config = new SchemaRegistryConfig
        {
            Url = settings.Url,
            BasicAuthUserInfo = settings.BasicAuthUserInfo,
            SslCaLocation = settings.SslCaLocation,
            SslKeystoreLocation = settings.SslKeystoreLocation,
            SslKeystorePassword = settings.SslKeystorePassword,
        };
        if (!string.IsNullOrEmpty(settings.BasicAuthUserInfo))
        {
            config.BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo;
        }
        return new CachedSchemaRegistryClient(config);
    }
}
