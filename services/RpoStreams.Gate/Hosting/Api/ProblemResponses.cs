using Microsoft.AspNetCore.Diagnostics;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>How the gate answers errors: problem+json, never a stack trace (in Development too).</summary>
public static class ProblemResponses
{
    /// <summary>First in the pipeline, so that it wraps every endpoint (the dashboard's files included).</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
        app.UseStatusCodePages(WriteStatusProblemAsync);
        return app;
    }

    /// <summary>An error status without a body (routing's 404, 405 and 415) gets a problem+json body.</summary>
    private static async Task WriteStatusProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        if (status == StatusCodes.Status415UnsupportedMediaType)
        {
            http.RequestServices.GetRequiredService<ClientErrors>().Count(status, ClientErrors.ContentType);
        }
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Detail = status == StatusCodes.Status415UnsupportedMediaType ? "send Content-Type: application/json or text/csv (UTF-8)" : null },
        });
    }
}
