namespace RpoStreams.Gate.Hosting;

/// <summary>How the gate exits when its host fails to start (docs/operations.md, exit codes).</summary>
public static class GateExit
{
    /// <summary>
    /// The exit code and the one stderr line for an exception the host threw while starting: 2 when Kestrel could not
    /// listen where <c>Urls</c> says (an address in use, a port out of range, not a URL), as for any bad setting;
    /// 5 for anything else.
    /// </summary>
    public static (int Code, string Line) OfHostFailure(Exception e)
    {
        var text = Contracts.LogSafe.Text(e.Message);
        return e.StackTrace?.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true
            ? (2, $"Urls: {text}")
            : (5, $"start-up failed: {text}");
    }
}
