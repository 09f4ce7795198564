using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>Registration of the gate in the host (keeps Program.cs short).</summary>
public static class GateServiceCollectionExtensions
{
    public static IServiceCollection AddGate(this IServiceCollection services, GateConfiguration config, IConfiguration configuration)
    {
        services.AddGateTelemetry(configuration);
        services.AddSingleton(config);
        services.AddSingleton<GateRuntime>();
        services.AddSingleton(sp => new GateMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(_ => new RecordSerdes(SchemaRegistries.Create(config.SchemaRegistry), config.SchemaRegistry.IsRemote && config.SchemaRegistry.AutoRegisterSchemas));
        services.AddHostedService<GateService>();
        services.AddHostedService<DemoFeed>();
        services.AddSingleton<GateObservations>();
        services.AddHostedService(sp => sp.GetRequiredService<GateObservations>());
        services.AddDashboard();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        return services;
    }
}
