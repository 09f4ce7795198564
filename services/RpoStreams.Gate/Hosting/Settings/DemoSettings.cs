using System.ComponentModel.DataAnnotations;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>The built-in demo feed (section <c>Demo</c>).</summary>
public sealed class DemoSettings
{
    /// <summary>Feed synthetic traffic into the gate's own topics. Defaults to on with the embedded broker.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Intents per second of the demo feed.</summary>
    [Range(1, 100_000)]
    public int IntentsPerSecond { get; set; } = 5;
}
