using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>The gate in an ASP.NET Core host: what it registers and what it maps (keeps Program.cs short).</summary>
public static class GateHost
{
    /// <summary>Settings, logging, telemetry, the Kafka clients, the stream and its demo feed, the dashboard and the check API.</summary>
    public static WebApplicationBuilder AddGate(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            // Without --urls, ASPNETCORE_URLS or Urls: the dashboard and API on the loopback, port 8080.
            builder.WebHost.UseUrls("http://localhost:8080");
        }
        var services = builder.Services;
        services.AddGateSettings(builder.Configuration, builder.Environment.IsDevelopment());
        builder.AddGateLogging();
        services.AddGateTelemetry(builder.Configuration);
        services.AddSingleton(sp => new KafkaClientFactory(sp.GetRequiredService<KafkaSettings>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<GateRuntime>();
        services.AddSingleton(sp => new GateMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<GateConfiguration>().SchemaRegistry;
            return new RecordSerdes(SchemaRegistries.Create(registry), registry.IsRemote && registry.AutoRegisterSchemas);
        });
        // The counters' zeros first: hosted services start in this order, so they exist before anything can count.
        services.AddHostedService<CounterBaseline>();
        services.AddHostedService<GateService>();
        services.AddHostedService<DemoFeed>();
        services.AddSingleton<GateObservations>();
        services.AddHostedService(sp => sp.GetRequiredService<GateObservations>());
        services.AddDashboard();
        services.AddCheckApi(builder.Configuration);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        return builder;
    }

    /// <summary>Problem responses first, then health, metrics, the dashboard and the check API.</summary>
    public static WebApplication MapGate(this WebApplication app)
    {
        app.UseProblemResponses();
        app.MapGateEndpoints();
        app.MapCheckApi();
        return app;
    }
}
