using System.Globalization;

namespace RpoStreams.Bench;

/// <summary>
/// What else the machine is doing: the whole machine's busy CPU from /proc/stat, so a figure taken while
/// other processes competed for the cores says so.
/// </summary>
internal static class Machine
{
    private static (long Busy, long Total, DateTime At)? last;

    /// <summary>Cores the whole machine kept busy since the previous call, and the 1-minute load average.</summary>
    public static string Describe()
    {
        var now = Read();
        var text = "machine: ";
        if (now is { } n && last is { } l && n.Total > l.Total)
        {
            var cores = Environment.ProcessorCount * (double)(n.Busy - l.Busy) / (n.Total - l.Total);
            text += FormattableString.Invariant($"{cores:0.00} of {Environment.ProcessorCount} cores busy, ");
        }
        last = now;
        return text + "load " + LoadAverage();
    }

    /// <summary>Busy cores of the whole machine between two readings.</summary>
    public static double BusyCores((long Busy, long Total)? from, (long Busy, long Total)? to) =>
        from is { } f && to is { } t && t.Total > f.Total ? Environment.ProcessorCount * (double)(t.Busy - f.Busy) / (t.Total - f.Total) : double.NaN;

    public static (long Busy, long Total, DateTime At)? Read()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(x => x.StartsWith("cpu ", StringComparison.Ordinal));
            var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var idle = v[3] + (v.Length > 4 ? v[4] : 0);
            var total = v.Take(Math.Min(8, v.Length)).Sum();
            return (total - idle, total, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
