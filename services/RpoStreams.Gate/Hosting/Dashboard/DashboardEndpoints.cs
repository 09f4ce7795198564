using System.Runtime.CompilerServices;
using Microsoft.Extensions.FileProviders;
using RpoStreams.Gate.Hosting.Dashboard;

// In the Hosting namespace so that AddGate and MapGateEndpoints reach AddDashboard and MapDashboard without a using.
namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The live dashboard: its files (built from <c>dashboard/</c> into <c>wwwroot/</c> at build time, index.html
/// at <c>/</c>), <c>GET /api/dashboard/snapshot</c> (one <see cref="DashboardSnapshot"/> as JSON) and
/// <c>GET /api/dashboard/stream</c> (server-sent events: a <c>snapshot</c> event a second; at most
/// <see cref="DashboardAggregator.MaxStreams"/> at once, 503 past them).
/// </summary>
public static class DashboardEndpoints
{
    public const string SnapshotPath = "/api/dashboard/snapshot";
    public const string StreamPath = "/api/dashboard/stream";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<DashboardAggregator>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardAggregator>());
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = DashboardFiles(app.Environment);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Fixed file names (app.js, app.css): revalidate, so a rebuilt dashboard is picked up at once.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });

        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Index(context, files)).ExcludeFromDescription();
        app.MapGet(SnapshotPath, (DashboardAggregator dashboard) => Results.Text(dashboard.CurrentJson, "application/json"))
            .WithName("DashboardSnapshot");
        app.MapGet(StreamPath, IResult (HttpContext context, DashboardAggregator dashboard, IHostApplicationLifetime lifetime) =>
        {
            if (dashboard.Streams.TryTake() is not { } slot)
            {
                context.Response.Headers.RetryAfter = "5";
                return TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            // Given back when the request ends, however it ends.
            context.Response.RegisterForDispose(slot);
            context.Response.Headers["X-Accel-Buffering"] = "no";
            return TypedResults.ServerSentEvents(Snapshots(dashboard, context.RequestAborted, lifetime.ApplicationStopping), eventType: "snapshot");
        }).WithName("DashboardStream");
        return app;
    }

    /// <summary>
    /// The built dashboard: <c>wwwroot/</c> beside the gate's assembly (the build and publish outputs, and the
    /// output of projects that reference the gate), else the host's web root.
    /// </summary>
    private static IFileProvider DashboardFiles(IWebHostEnvironment environment)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (File.Exists(Path.Combine(beside, "index.html")))
        {
            return new PhysicalFileProvider(beside);
        }
        return environment.WebRootFileProvider;
    }

    private static async Task Index(HttpContext context, IFileProvider files)
    {
        context.Response.Headers.CacheControl = "no-cache";
        var index = files.GetFileInfo("index.html");
        if (!index.Exists || index.PhysicalPath is null)
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(Placeholder, context.RequestAborted);
            return;
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.SendFileAsync(index, context.RequestAborted);
    }

    /// <summary>A snapshot now, then one each time the aggregator publishes, until the browser leaves or the host stops.</summary>
    private static async IAsyncEnumerable<string> Snapshots(DashboardAggregator dashboard, [EnumeratorCancellation] CancellationToken requestAborted, CancellationToken stopping)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        var cancel = both.Token;
        yield return dashboard.CurrentJson;
        while (!cancel.IsCancellationRequested)
        {
            string json;
            try
            {
                json = await dashboard.NextJsonAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            yield return json;
        }
    }

    private const string Placeholder = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>RpoStreams gate</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; line-height: 1.5">
        <h1>RpoStreams gate</h1>
        <p>The dashboard was not built: npm (Node.js 20 or later) was not available when the gate was built, or the
        build ran with <code>-p:DashboardBuild=false</code>. Install Node.js and build again
        (<code>dotnet build services/RpoStreams.Gate</code>).</p>
        <p>The gate itself runs. Its figures are at <a href="api/dashboard/snapshot">/api/dashboard/snapshot</a>
        (JSON), <a href="metrics">/metrics</a> and <a href="health/ready">/health/ready</a>.</p>
        </body></html>
        """;
}
