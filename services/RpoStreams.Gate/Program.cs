using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Settings;

var builder = WebApplication.CreateBuilder(args);
builder.AddGate();
var app = builder.Build();
if (!app.Services.SettingsAreValid())
{
    // Each bad setting is one line on stderr, naming it.
    return 2;
}
app.MapGate();
try
{
    await app.RunAsync();
}
catch (OperationCanceledException)
{
    // SIGTERM while the host was still starting: a stop like any other.
}
catch (Exception e)
{
    // The host itself could not start (Kestrel cannot listen on Urls, say): one line, not an unhandled crash.
    var (code, line) = GateExit.OfHostFailure(e);
    Console.Error.WriteLine($"rpo-gate: {line}");
    return code;
}
return Environment.ExitCode;
