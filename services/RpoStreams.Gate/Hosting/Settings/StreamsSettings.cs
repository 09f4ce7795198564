using Confluent.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>Where Kafka is and how to reach it (section <c>Kafka</c>). Empty BootstrapServers means the embedded broker.</summary>
public sealed class KafkaSettings
{
    /// <summary><c>host:port[,host:port]</c>; empty starts the embedded broker (development only).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Partitions of the gate's topics on the embedded broker, and of its repartition topics everywhere.</summary>
    public int Partitions { get; set; } = 4;

    /// <summary>Plaintext, Ssl, SaslPlaintext or SaslSsl.</summary>
    public string? SecurityProtocol { get; set; }

    /// <summary>Plain, ScramSha256, ScramSha512, Gssapi or OAuthBearer.</summary>
    public string? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    public string? SslCaLocation { get; set; }

    public string? SslCertificateLocation { get; set; }

    public string? SslKeyLocation { get; set; }

    public string? SslKeyPassword { get; set; }

    /// <summary>
    /// Whether the broker is a development broker without transactions (librdkafka's mock cluster). Unset: the
    /// embedded broker is, and so is a cluster whose metadata shows the marker topic <c>rpo devkafka</c> creates.
    /// </summary>
    public bool? DevelopmentBroker { get; set; }

    /// <summary>True when no cluster is configured and the gate runs its own broker.</summary>
    public bool UseEmbedded => string.IsNullOrWhiteSpace(BootstrapServers);

    /// <summary>Copies the security settings onto any Kafka client configuration (gate, producers, admin).</summary>
    public void ApplySecurity(ClientConfig config)
    {
        if (Enum.TryParse<SecurityProtocol>(SecurityProtocol, true, out var protocol))
        {
            config.SecurityProtocol = protocol;
        }
        if (Enum.TryParse<SaslMechanism>(SaslMechanism, true, out var mechanism))
        {
            config.SaslMechanism = mechanism;
        }
        config.SaslUsername = NullIfEmpty(SaslUsername);
        config.SaslPassword = NullIfEmpty(SaslPassword);
        config.SslCaLocation = NullIfEmpty(SslCaLocation);
        config.SslCertificateLocation = NullIfEmpty(SslCertificateLocation);
        config.SslKeyLocation = NullIfEmpty(SslKeyLocation);
        config.SslKeyPassword = NullIfEmpty(SslKeyPassword);
    }

    public IEnumerable<string> Validate(bool development)
    {
        if (UseEmbedded && !development)
        {
            yield return "Kafka:BootstrapServers is required outside Development (the embedded broker is librdkafka's mock cluster, for development only; set Kafka__BootstrapServers)";
        }
        if (Partitions is < 1 or > 1024)
        {
            yield return $"Kafka:Partitions must be between 1 and 1024 (got {Partitions})";
        }
        if (!string.IsNullOrWhiteSpace(SecurityProtocol) && !Enum.TryParse<SecurityProtocol>(SecurityProtocol, true, out _))
        {
            yield return $"Kafka:SecurityProtocol '{SecurityProtocol}' must be one of {string.Join(", ", Enum.GetNames<SecurityProtocol>())}";
        }
        if (!string.IsNullOrWhiteSpace(SaslMechanism) && !Enum.TryParse<SaslMechanism>(SaslMechanism, true, out _))
        {
            yield return $"Kafka:SaslMechanism '{SaslMechanism}' must be one of {string.Join(", ", Enum.GetNames<SaslMechanism>())}";
        }
        if (!UseEmbedded)
        {
            foreach (var server in BootstrapServers!.Split(',', StringSplitOptions.TrimEntries))
            {
                var colon = server.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port) || port is < 1 or > 65535)
                {
                    yield return $"Kafka:BootstrapServers '{BootstrapServers}' must be host:port[,host:port]";
                    yield break;
                }
            }
        }
        foreach (var (name, path) in new[] { (nameof(SslCaLocation), SslCaLocation), (nameof(SslCertificateLocation), SslCertificateLocation), (nameof(SslKeyLocation), SslKeyLocation) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                yield return $"Kafka:{name} '{path}' does not exist";
            }
        }
    }

    internal static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>How the stream processor runs (section <c>Streams</c>).</summary>
public sealed class StreamsSettings
{
    /// <summary>Consumer group, transactional id prefix and internal topic prefix.</summary>
    public string ApplicationId { get; set; } = "rpo-gate";

    /// <summary>RocksDB state; a volume in containers. Kept across restarts; wiped and restored from the changelogs only after an unclean stop under exactly-once.</summary>
    public string StateDir { get; set; } = Path.Combine(Environment.CurrentDirectory, ".state");

    /// <summary>ExactlyOnce (default) or AtLeastOnce.</summary>
    public string Guarantee { get; set; } = "ExactlyOnce";

    /// <summary>Stream threads: by default one per processor (tasks beyond the partitions have nothing to do).</summary>
    public int Threads { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>How often offsets and state are committed (a transaction with exactly-once).</summary>
    public int CommitIntervalMs { get; set; } = 100;

    /// <summary>
    /// How long the group waits for a silent instance before giving its partitions to the others. Short, so
    /// a crashed instance's subjects are decided again within seconds (Kafka's default is 45 s).
    /// </summary>
    public int SessionTimeoutMs { get; set; } = 10_000;

    /// <summary>Longest a stream thread waits to fill a batch of records (Streamiz's own default, 100 ms, costs latency at low rates).</summary>
    public int PollMs { get; set; } = 10;

    /// <summary>Records a stream thread takes per batch.</summary>
    public int MaxPollRecords { get; set; } = 1_000;

    /// <summary>
    /// Longest the broker holds a fetch that has not reached its minimum size. Kafka answers as soon as there
    /// is data; librdkafka's mock cluster (the embedded broker) always waits this long, so it is kept short.
    /// </summary>
    public int FetchWaitMaxMs { get; set; } = 10;

    /// <summary>Records per batch while restoring state from a changelog (Streamiz's default is 1,000).</summary>
    public int MaxPollRestoringRecords { get; set; } = 10_000;

    /// <summary>RocksDB block cache of the whole process, shared by every store (memtables add 8 MB per RocksDB store).</summary>
    public int RocksDbMemoryMb { get; set; } = 64;

    public bool ExactlyOnce => string.Equals(Guarantee, "ExactlyOnce", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ApplicationId) || ApplicationId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            yield return $"Streams:ApplicationId '{ApplicationId}' must be letters, digits, '-', '_' or '.'";
        }
        if (string.IsNullOrWhiteSpace(StateDir))
        {
            yield return "Streams:StateDir must not be empty";
        }
        if (!string.Equals(Guarantee, "ExactlyOnce", StringComparison.OrdinalIgnoreCase) && !string.Equals(Guarantee, "AtLeastOnce", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"Streams:Guarantee '{Guarantee}' must be ExactlyOnce or AtLeastOnce";
        }
        if (Threads is < 1 or > 64)
        {
            yield return $"Streams:Threads must be between 1 and 64 (got {Threads})";
        }
        if (PollMs is < 1 or > 1_000)
        {
            yield return $"Streams:PollMs must be between 1 and 1000 (got {PollMs})";
        }
        if (MaxPollRecords is < 1 or > 100_000)
        {
            yield return $"Streams:MaxPollRecords must be between 1 and 100000 (got {MaxPollRecords})";
        }
        if (FetchWaitMaxMs is < 1 or > 10_000)
        {
            yield return $"Streams:FetchWaitMaxMs must be between 1 and 10000 (got {FetchWaitMaxMs})";
        }
        if (MaxPollRestoringRecords is < 100 or > 1_000_000)
        {
            yield return $"Streams:MaxPollRestoringRecords must be between 100 and 1000000 (got {MaxPollRestoringRecords})";
        }
        if (RocksDbMemoryMb is < 16 or > 65_536)
        {
            yield return $"Streams:RocksDbMemoryMb must be between 16 and 65536 (got {RocksDbMemoryMb})";
        }
        if (SessionTimeoutMs is < 3_000 or > 300_000)
        {
            yield return $"Streams:SessionTimeoutMs must be between 3000 and 300000 (got {SessionTimeoutMs})";
        }
        if (CommitIntervalMs is < 10 or > 600_000)
        {
            yield return $"Streams:CommitIntervalMs must be between 10 and 600000 (got {CommitIntervalMs})";
        }
    }
}

/// <summary>The keyed hash of subjects (section <c>Subjects</c>).</summary>
public sealed class SubjectSettings
{
    /// <summary>Development-only secret, used when none is configured in the Development environment.</summary>
    public const string DevelopmentSecret = "rpo-development-only-secret";

    /// <summary>HMAC-SHA256 key of subjectRef; required outside Development (environment Subjects__HashSecret).</summary>
    public string? HashSecret { get; set; }

    public IEnumerable<string> Validate(bool development)
    {
        if (string.IsNullOrEmpty(HashSecret) && !development)
        {
            yield return "Subjects:HashSecret is required outside Development (set Subjects__HashSecret to a secret of at least 16 characters)";
        }
        else if (!string.IsNullOrEmpty(HashSecret) && HashSecret.Length < 16)
        {
            yield return "Subjects:HashSecret must be at least 16 characters";
        }
    }
}

/// <summary>The built-in demo feed (section <c>Demo</c>).</summary>
public sealed class DemoSettings
{
    /// <summary>Feed synthetic traffic into the gate's own topics. Defaults to on with the embedded broker.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Intents per second of the demo feed.</summary>
    public int IntentsPerSecond { get; set; } = 5;

    public IEnumerable<string> Validate()
    {
        if (IntentsPerSecond is < 1 or > 100_000)
        {
            yield return $"Demo:IntentsPerSecond must be between 1 and 100000 (got {IntentsPerSecond})";
        }
    }
}
