using System.Globalization;

namespace RpoStreams.Bench;

/// <summary>Percentiles of a set of latencies, in milliseconds (nearest-rank on the sorted values).</summary>
/// <remarks>
/// <see cref="Censored"/> samples were never answered: they enter as lower bounds (the time they had waited
/// when the run stopped), so a percentile that falls among them is itself only a lower bound.
/// </remarks>
internal sealed record LatencyStats(long Count, double P50, double P95, double P99, double P999, double Max, double Mean, long Censored = 0)
{
    public static LatencyStats Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencyStats FromSeconds(IReadOnlyCollection<double> seconds) => FromMillis(seconds.Select(s => s * 1000.0).ToArray());

    public static LatencyStats FromMillis(double[] millis, long censored = 0)
    {
        if (millis.Length == 0)
        {
            return Empty;
        }
        Array.Sort(millis);
        double At(double q) => millis[Math.Clamp((int)Math.Ceiling(q * millis.Length) - 1, 0, millis.Length - 1)];
        return new LatencyStats(millis.Length, At(0.50), At(0.95), At(0.99), At(0.999), millis[^1], millis.Average(), censored);
    }

    /// <summary>Whether the q-quantile is only a lower bound (it falls among unanswered samples).</summary>
    public bool IsLowerBound(double q) => Censored > 0 && q > 1.0 - (double)Censored / Count - 1e-12;

    /// <summary>The q-quantile's value as text, "≥ " when it is a lower bound.</summary>
    public string Text(double q, double value) => double.IsNaN(value)
        ? "n/a"
        : (IsLowerBound(q) ? "≥ " : "") + value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public string ToLine() => FormattableString.Invariant($"{Count} {P50:R} {P95:R} {P99:R} {P999:R} {Max:R} {Mean:R} {Censored}");

    public static LatencyStats Parse(string line)
    {
        var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double D(int i) => double.Parse(p[i], CultureInfo.InvariantCulture);
        return new LatencyStats(long.Parse(p[0], CultureInfo.InvariantCulture), D(1), D(2), D(3), D(4), D(5), D(6), long.Parse(p[7], CultureInfo.InvariantCulture));
    }

    public override string ToString() => Count == 0
        ? "no samples"
        : $"p50 {Text(0.5, P50)} / p95 {Text(0.95, P95)} / p99 {Text(0.99, P99)} (n={Count}{(Censored > 0 ? $", {Censored} unanswered" : "")})";
}
