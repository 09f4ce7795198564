using System.Diagnostics;
using NodaTime;
using RpoStreams.Policy;

namespace RpoStreams.Simulation;

/// <summary>What to simulate.</summary>
public sealed record SimulationPlan
{
    /// <summary>Numbers to put in the register (REGISTERED updates).</summary>
    public long Register { get; init; } = 10_000;

    /// <summary>Intents to send; ignored when <see cref="Continuous"/>.</summary>
    public long Intents { get; init; } = 100_000;

    /// <summary>Intents per second; 0 sends as fast as the broker takes them.</summary>
    public double Rate { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>
    /// Share of the numbers dialled that are in the register. About 30 % of Italian numbers are: the RPO
    /// holds over 30 million numbers against roughly 100 million mobile and fixed lines.
    /// </summary>
    public double RegisterShare { get; init; } = 0.30;

    /// <summary>Share of registered numbers that gave one company consent after registering.</summary>
    public double ConsentShare { get; init; } = 0.05;

    /// <summary>Share of intents followed by an attempt (dialled whatever the decision, so some raise alerts).</summary>
    public double AttemptShare { get; init; } = 0.10;

    /// <summary>Keep sending intents at <see cref="Rate"/> until cancelled.</summary>
    public bool Continuous { get; init; }

    /// <summary>Prefix of intent and attempt ids.</summary>
    public string RunId { get; init; } = "sim-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}

/// <summary>Progress of a run: phase, done, total (total 0 when open-ended).</summary>
public readonly record struct SimulationProgress(string Phase, long Done, long Total);

/// <summary>What a run sent.</summary>
public sealed record SimulationResult(long Registered, long Consents, long Intents, long Attempts, long Population, TimeSpan Elapsed, long Failures)
{
    public override string ToString() =>
        $"register: {Registered} consents: {Consents} intents: {Intents} attempts: {Attempts} population: {Population} in {Elapsed.TotalSeconds:0.0} s ({(Elapsed.TotalSeconds > 0 ? Intents / Elapsed.TotalSeconds : 0):0}/s intents), failed sends: {Failures}";
}

/// <summary>Sends a fresh consultation, a register with consents, then intents (and some attempts) at a rate.</summary>
public static class TrafficRun
{
    public static SimulationResult Run(TrafficProducer producer, SimulationPlan plan, PolicyRules rules, Action<SimulationProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var traffic = new SyntheticTraffic(plan.Seed, rules, plan.RegisterShare, plan.RunId);
        var now = SystemClock.Instance.GetCurrentInstant();
        producer.Consultation(traffic.Consultation(now));

        long registered = 0, consents = 0, i = 0;
        while (registered < plan.Register && !cancel.IsCancellationRequested)
        {
            if (traffic.IsRegistered(i))
            {
                producer.Register(traffic.Registration(i, now));
                registered++;
                if (SyntheticTraffic.ConsentsAfterRegistration(i, plan.ConsentShare))
                {
                    producer.Consent(traffic.ConsentAfterRegistration(i, now));
                    consents++;
                }
                if (registered % 10_000 == 0)
                {
                    progress?.Invoke(new SimulationProgress("register", registered, plan.Register));
                }
            }
            i++;
        }
        var population = Math.Max(i, 1000);
        progress?.Invoke(new SimulationProgress("register", registered, plan.Register));

        long intents = 0, attempts = 0;
        var pace = Stopwatch.StartNew();
        var total = plan.Continuous ? 0 : plan.Intents;
        while (!cancel.IsCancellationRequested && (plan.Continuous || intents < plan.Intents))
        {
            if (plan.Rate > 0)
            {
                var due = TimeSpan.FromSeconds(intents / plan.Rate);
                var ahead = due - pace.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(2))
                {
                    cancel.WaitHandle.WaitOne(ahead);
                }
            }
            if ((intents & 1023) == 0)
            {
                now = SystemClock.Instance.GetCurrentInstant();
            }
            var intent = traffic.Intent(population, now);
            producer.Intent(intent);
            intents++;
            if (traffic.NextDouble() < plan.AttemptShare)
            {
                producer.Attempt(traffic.Attempt(intent, namesIntent: traffic.NextDouble() > 0.05));
                attempts++;
            }
            if (intents % 5_000 == 0)
            {
                progress?.Invoke(new SimulationProgress("intents", intents, total));
            }
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        progress?.Invoke(new SimulationProgress("intents", intents, total));
        return new SimulationResult(registered, consents, intents, attempts, population, clock.Elapsed, producer.Failures);
    }
}
