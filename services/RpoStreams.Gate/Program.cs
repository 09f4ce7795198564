using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Hosting.Api;

var builder = WebApplication.CreateBuilder(args);
var config = GateConfiguration.Bind(builder.Configuration, builder.Environment.IsDevelopment());
var problems = config.Validate();
if (problems.Count > 0)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"rpo-gate: {problem}");
    }
    return 2;
}

if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // Without --urls, ASPNETCORE_URLS or Urls: the dashboard and API on the loopback, port 8080.
    builder.WebHost.UseUrls("http://localhost:8080");
}

builder.AddGateLogging();
builder.Services.AddGate(config, builder.Configuration);
builder.Services.AddCheckApi(config.Api);

var app = builder.Build();
app.UseProblemResponses();
app.MapGateEndpoints();
app.MapCheckApi();
await app.RunAsync();
return Environment.ExitCode;
