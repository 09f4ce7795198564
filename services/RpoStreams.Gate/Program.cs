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
await app.RunAsync();
return Environment.ExitCode;
