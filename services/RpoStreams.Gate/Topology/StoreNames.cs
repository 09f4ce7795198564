namespace RpoStreams.Gate.Topology;

/// <summary>State stores and internal topics of the gate topology. Changelogs are <c>{applicationId}-{store}-changelog</c>.</summary>
public static class StoreNames
{
    /// <summary>subjectRef → the subject's register state, consents per company and ALLOWED contacts (SubjectState).</summary>
    public const string Subjects = "subject-state";

    /// <summary>intentId → its decision, for idempotence and for judging attempts.</summary>
    public const string Decisions = "decisions-by-intent";

    /// <summary>attemptId → attempt waiting for its intent's decision.</summary>
    public const string PendingAttempts = "pending-attempts";

    /// <summary>company/campaign/hour → tally of decisions for LIST_NOT_SCRUBBED.</summary>
    public const string CampaignTallies = "campaign-hour-tallies";

    /// <summary>The stale episode REGISTER_STALE was last raised for.</summary>
    public const string Freshness = "register-freshness";

    /// <summary>Global: feed id → latest consultation, and <see cref="LatestConsultationKey"/> → the latest of all.</summary>
    public const string Consultations = "register-consultations";

    /// <summary>Key under which the consultation store keeps the latest consultation of every feed.</summary>
    public const string LatestConsultationKey = "*latest*";

    /// <summary>Last input offset processed, per source partition, of each sub-topology (see <see cref="InputPositions"/>).</summary>
    public const string IntakePositions = "intake-positions";

    public const string SubjectPositions = "subject-positions";

    public const string CampaignPositions = "campaign-positions";

    public const string StalePositions = "stale-positions";

    /// <summary>Commit signals of each sub-topology (see <see cref="CommitSignal"/>); not logged.</summary>
    public const string IntakeCommits = "intake-commits";

    public const string SubjectCommits = "subject-commits";

    public const string CampaignCommits = "campaign-commits";

    public const string StaleCommits = "stale-commits";

    /// <summary>Logged stores owned by the subject tasks (partitioned like the subject-events topic).</summary>
    public static readonly IReadOnlyList<string> SubjectStores = [Subjects, Decisions, PendingAttempts, SubjectPositions];
}

/// <summary>Names of the repartition topics (the application id is prefixed by Streamiz).</summary>
public static class RepartitionNames
{
    /// <summary>Every input record that concerns a subject, keyed by subjectRef.</summary>
    public const string SubjectEvents = "subject-events";

    /// <summary>Decisions keyed by company, campaign and hour.</summary>
    public const string CampaignHours = "campaign-hours";

    /// <summary>Decisions blocked for REGISTER_STALE, all to one partition so the episode is raised once.</summary>
    public const string StaleDecisions = "stale-decisions";
}
