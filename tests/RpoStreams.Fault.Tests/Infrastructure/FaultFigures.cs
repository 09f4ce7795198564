using System.Globalization;
using RpoStreams.Testing;

namespace RpoStreams.Fault.Tests.Infrastructure;

/// <summary>
/// The numbers a fault run produced (kills, intents, missing, duplicated, restore time), said twice: as a
/// diagnostic message of the test and as one line appended to <c>artifacts/test-results/fault-figures.txt</c>
/// at the repository root, where CI keeps them next to the TRX files.
/// </summary>
public static class FaultFigures
{
    private static readonly object FileLock = new();

    /// <summary>Short hash of the gate assembly under test: figures from different builds are told apart.</summary>
    private static readonly Lazy<string> GateBuild = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "RpoStreams.Gate.dll");
        if (!File.Exists(path))
        {
            return "missing";
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream))[..12].ToLowerInvariant();
    });

    public static string Record(string scenario, params (string Name, object Value)[] figures)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {scenario} {string.Join(' ', figures.Select(f => $"{f.Name}={Format(f.Value)}"))} gate_build={GateBuild.Value}");
        TestContext.Current.SendDiagnosticMessage($"fault figures: {line}");
        TestContext.Current.TestOutputHelper?.WriteLine($"fault figures: {line}");
        var file = FilePath();
        lock (FileLock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.AppendAllText(file, line + Environment.NewLine);
        }
        return line;
    }

    /// <summary><c>artifacts/test-results/fault-figures.txt</c> under the directory holding RpoStreams.sln.</summary>
    public static string FilePath() => Path.Combine(Repository.Root, "artifacts", "test-results", "fault-figures.txt");

    private static string Format(object value) => value switch
    {
        TimeSpan t => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
