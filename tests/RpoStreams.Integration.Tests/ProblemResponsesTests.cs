using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using RpoStreams.Gate.Hosting.Api;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A server error (a bug, not the client's fault) is a 500 problem+json that names neither the exception nor
/// the code, in Development too, where ASP.NET Core's developer page would otherwise show the stack trace.
/// </summary>
public sealed class ProblemResponsesTests : IAsyncLifetime
{
    private WebApplication app = null!;
    private readonly HttpClient http = new();

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Microsoft.Extensions.Hosting.Environments.Development });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<ClientErrors>();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<StateMovingExceptionHandler>();
        app = builder.Build();
        app.UseProblemResponses();
        app.MapGet("/bug", string () => throw new InvalidOperationException("a bug in /src/RpoStreams.Gate/Secret.cs"));
        app.MapGet("/moving", string () => throw new Streamiz.Kafka.Net.Errors.InvalidStateStoreException("The state store, subject-state, may have migrated to another instance."));
        app.MapGet("/too-large", string () => throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge));
        await app.StartAsync(TestContext.Current.CancellationToken);
        http.BaseAddress = new Uri(app.Urls.First());
    }

    [Fact]
    public async Task A_bug_is_a_500_problem_without_the_exception_or_a_stack_trace_even_in_Development()
    {
        using var response = await http.GetAsync(new Uri("/bug", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret.cs", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_thrown_by_Kestrel_keeps_its_status()
    {
        using var response = await http.GetAsync(new Uri("/too-large", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_store_moving_in_a_rebalance_is_a_503_to_retry_not_a_500()
    {
        using var response = await http.GetAsync(new Uri("/moving", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("retry", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        using var response = await http.GetAsync(new Uri("/nothing-here", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.DisposeAsync();
    }
}
