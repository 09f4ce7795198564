namespace RpoStreams.Gate.Topology;

/// <summary>State stores of the gate topology. Changelogs are <c>{applicationId}-{store}-changelog</c>.</summary>
public static class StoreNames
{
    /// <summary>
    /// subjectRef → everything about the subject (SubjectState): register state, consents per company, ALLOWED
    /// contacts and the decisions still known by intentId. An intent whose subject cannot be normalized is
    /// kept under <see cref="IntentKey"/>.
    /// </summary>
    public const string Subjects = "subject-state";

    /// <summary>attemptId → attempt waiting for its intent's decision.</summary>
    public const string PendingAttempts = "pending-attempts";

    /// <summary>company/campaign/hour → this task's counts for LIST_NOT_SCRUBBED, and how many were sent on.</summary>
    public const string CampaignPartials = "campaign-partials";

    /// <summary>company/campaign/hour → the whole campaign's tally for LIST_NOT_SCRUBBED.</summary>
    public const string CampaignTallies = "campaign-hour-tallies";

    /// <summary>The stale episode REGISTER_STALE was last raised for.</summary>
    public const string Freshness = "register-freshness";

    /// <summary>Global: feed id → latest consultation, and <see cref="LatestConsultationKey"/> → the latest of all.</summary>
    public const string Consultations = "register-consultations";

    /// <summary>Key under which the consultation store keeps the latest consultation of every feed.</summary>
    public const string LatestConsultationKey = "*latest*";

    /// <summary>Tells the subject processor a commit begins (see <see cref="CommitHook"/>); not a real store.</summary>
    public const string SubjectCommits = "subject-commits";

    /// <summary>Logged stores owned by the subject tasks (partitioned like the input topics).</summary>
    public static readonly IReadOnlyList<string> SubjectStores = [Subjects, PendingAttempts, CampaignPartials];

    /// <summary>What the subject processor names, the commit hook first (it must run before the stores it writes to are flushed).</summary>
    public static readonly IReadOnlyList<string> SubjectProcessorStores = [SubjectCommits, .. SubjectStores];

    /// <summary>The subject-state key of an intent (and its attempts) whose subject cannot be normalized.</summary>
    public static string IntentKey(string intentId) => "intent:" + intentId;
}

/// <summary>Names of the repartition topics (the application id is prefixed by Streamiz).</summary>
public static class RepartitionNames
{
    /// <summary>Input records read outside their subject's partition, on their way there.</summary>
    public const string SubjectEvents = "subject-events";

    /// <summary>Campaign counts keyed by company, campaign and hour.</summary>
    public const string CampaignHours = "campaign-hours";

    /// <summary>Notices of decisions blocked for a stale register, all to one partition so the episode is raised once.</summary>
    public const string StaleDecisions = "stale-decisions";
}

/// <summary>The names Streamiz gives the internal topics.</summary>
public static class InternalTopics
{
    public static string Repartition(string applicationId, string name) => $"{applicationId}-{name}-repartition";

    public static string Changelog(string applicationId, string store) => $"{applicationId}-{store}-changelog";
}

/// <summary>Keys of alerts: the companyId, or <see cref="EveryCompany"/> for an alert about no one company.</summary>
public static class AlertKeys
{
    /// <summary>Key of an alert that concerns every company: REGISTER_STALE found by the wall clock.</summary>
    public const string EveryCompany = "*";

    public static string Of(Records.ComplianceAlert alert) => string.IsNullOrEmpty(alert.companyId) ? EveryCompany : alert.companyId;
}
