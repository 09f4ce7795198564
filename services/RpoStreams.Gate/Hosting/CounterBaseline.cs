using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using RpoStreams.Contracts;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Every <c>rpo_*</c> counter is on <c>/metrics</c> from the start, at 0 for every label value it can have:
/// Prometheus' <c>rate()</c> and <c>increase()</c>, and the alerts built on them, see nothing of a series that
/// does not exist yet (the first dead letter would otherwise be invisible to them). The gate's counters belong to
/// <see cref="GateMetrics"/>; a <see cref="MeterListener"/> finds them on its meter and adds 0 once, after the
/// exporter listens. <see cref="ClientErrors"/> does the same for <c>rpo_api_refused_total</c> when it is built.
/// </summary>
public sealed class CounterBaseline(MeterProvider exporter, GateMetrics metrics, ClientErrors refusals) : IHostedService
{
    /// <summary>The label sets of each counter of <see cref="GateMetrics"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<TagList>> LabelSets { get; } = new Dictionary<string, IReadOnlyList<TagList>>
    {
        ["rpo_decisions_total"] =
        [
            new TagList { { "outcome", nameof(Outcome.ALLOWED) }, { "reason", "NONE" } },
            .. Enum.GetValues<Reason>().Select(r => new TagList { { "outcome", nameof(Outcome.BLOCKED) }, { "reason", r.ToString() } }),
        ],
        ["rpo_alerts_total"] = [.. Enum.GetValues<AlertType>().Select(t => new TagList { { "type", t.ToString() } })],
        ["rpo_deadletters_total"] = [.. TopicNames.Inputs.Select(Topic)],
        ["rpo_input_relocated_total"] = [.. TopicNames.Inputs.Where(t => t != TopicNames.RegisterConsultations).Select(Topic)],
        ["rpo_arrival_capped_total"] = [.. Enum.GetValues<SubjectEventKind>().Where(k => k != SubjectEventKind.TICK).Select(k => new TagList { { "kind", k.ToString() } })],
        ["rpo_revocations_failed_total"] = [.. new[] { GateMetrics.OffsetsNotCommitted, GateMetrics.ThreadStopped }.Select(o => new TagList { { "outcome", o } })],
        ["rpo_state_limited_total"] = [.. new[] { GateMetrics.ConsentsLimited, GateMetrics.ContactsLimited, GateMetrics.CampaignsLimited }.Select(w => new TagList { { "what", w } })],
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The exporter and both owners exist now (they are this service's dependencies): a 0 added here is exported.
        GC.KeepAlive(exporter);
        GC.KeepAlive(refusals);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter == metrics.Meter && instrument is Counter<long> counter && LabelSets.TryGetValue(instrument.Name, out var sets))
            {
                foreach (var tags in sets)
                {
                    counter.Add(0, tags);
                }
            }
        };
        // Start tells the listener of every instrument published so far, the gate's counters among them.
        listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static TagList Topic(string topic) => new() { { "topic", topic } };
}
