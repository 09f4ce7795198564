using Avro.Specific;
using Confluent.SchemaRegistry;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// One Avro serde per record type, all over the same registry client. Built once per topology or
/// tool (never static, so tests do not share state).
/// </summary>
public sealed class RecordSerdes
{
    public RecordSerdes(ISchemaRegistryClient registry, bool autoRegisterSchemas = false)
    {
        Registry = registry;
        AutoRegister = autoRegisterSchemas;
        RegisterUpdate = Make<RegisterUpdate>();
        RegisterConsultation = Make<RegisterConsultation>();
        ConsentEvent = Make<ConsentEvent>();
        CallIntent = Make(HotPathCodecs.CallIntent);
        CallAttempt = Make<CallAttempt>();
        CallDecision = Make(HotPathCodecs.CallDecision);
        ComplianceAlert = Make<ComplianceAlert>();
        DeadLetter = Make<DeadLetter>();
        SubjectEvent = Make<SubjectEvent>();
        SubjectState = Make(HotPathCodecs.SubjectState);
        PendingAttempt = Make<PendingAttempt>();
        CampaignHourTally = Make<CampaignHourTally>();
        CampaignCount = Make(HotPathCodecs.CampaignCount);
        StaleNotice = Make<StaleNotice>();
        FreshnessEpisode = Make<FreshnessEpisode>();
    }

    /// <summary>Serdes over the local registry built from schemas/.</summary>
    public static RecordSerdes Local() => new(new LocalSchemaRegistry());

    public ISchemaRegistryClient Registry { get; }

    public bool AutoRegister { get; }

    public AvroSerDes<RegisterUpdate> RegisterUpdate { get; }

    public AvroSerDes<RegisterConsultation> RegisterConsultation { get; }

    public AvroSerDes<ConsentEvent> ConsentEvent { get; }

    public AvroSerDes<CallIntent> CallIntent { get; }

    public AvroSerDes<CallAttempt> CallAttempt { get; }

    public AvroSerDes<CallDecision> CallDecision { get; }

    public AvroSerDes<ComplianceAlert> ComplianceAlert { get; }

    public AvroSerDes<DeadLetter> DeadLetter { get; }

    public AvroSerDes<SubjectEvent> SubjectEvent { get; }

    public AvroSerDes<SubjectState> SubjectState { get; }

    public AvroSerDes<PendingAttempt> PendingAttempt { get; }

    public AvroSerDes<CampaignHourTally> CampaignHourTally { get; }

    public AvroSerDes<CampaignCount> CampaignCount { get; }

    public AvroSerDes<StaleNotice> StaleNotice { get; }

    public AvroSerDes<FreshnessEpisode> FreshnessEpisode { get; }

    /// <summary>Every topic a serde here has written to, with the schema it wrote there.</summary>
    public IEnumerable<(string Topic, Avro.Schema Schema)> Written => all.SelectMany(written => written());

    private readonly List<Func<IEnumerable<(string, Avro.Schema)>>> all = [];

    private AvroSerDes<T> Make<T>(IAvroCodec<T>? codec = null) where T : class, ISpecificRecord
    {
        var serdes = new AvroSerDes<T>(Registry, AutoRegister, codec);
        all.Add(() => serdes.TopicsWritten.Select(topic => (topic, serdes.Schema)));
        return serdes;
    }
}
