namespace RpoStreams.Bench;

/// <summary>
/// How far a restore has come: records restored (all stores; the register store's), offsets it set out to
/// cover, and the seconds (from the start call) of the first and the latest restored batch.
/// </summary>
internal sealed record RestoreProgress(long Records, long RegisterRecords, long TargetOffsets, double FirstBatch, double LastBatch)
{
    /// <summary>Records per second between the first and the latest batch.</summary>
    public double Rate => LastBatch > FirstBatch ? Records / (LastBatch - FirstBatch) : double.NaN;

    public string ToLine() => FormattableString.Invariant($"{Records} {RegisterRecords} {TargetOffsets} {FirstBatch:R} {LastBatch:R}");

    public static RestoreProgress Parse(string line)
    {
        var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new RestoreProgress(long.Parse(p[0], inv), long.Parse(p[1], inv), long.Parse(p[2], inv), double.Parse(p[3], inv), double.Parse(p[4], inv));
    }
}

/// <summary>
/// A sample of the process running the gate; <paramref name="JitSeconds"/> is the time its JIT has spent compiling so far,
/// <paramref name="GcPauseSeconds"/> the time its threads have been paused for collections.
/// </summary>
internal sealed record ProcessSample(long RssBytes, long ManagedHeapBytes, long GcCommittedBytes, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, double JitSeconds, double GcPauseSeconds)
{
    public string ToLine() => FormattableString.Invariant($"{RssBytes} {ManagedHeapBytes} {GcCommittedBytes} {CpuSeconds:R} {AllocatedBytes} {Gen0} {Gen1} {Gen2} {JitSeconds:R} {GcPauseSeconds:R}");

    public static ProcessSample Parse(string line)
    {
        var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new ProcessSample(long.Parse(p[0], inv), long.Parse(p[1], inv), long.Parse(p[2], inv), double.Parse(p[3], inv), long.Parse(p[4], inv), int.Parse(p[5], inv), int.Parse(p[6], inv), int.Parse(p[7], inv), double.Parse(p[8], inv), double.Parse(p[9], inv));
    }

    /// <summary>VmRSS of this process from /proc/self/status, in bytes (null off Linux).</summary>
    public static long? VmRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
