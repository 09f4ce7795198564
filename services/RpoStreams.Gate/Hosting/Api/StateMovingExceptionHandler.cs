using Microsoft.AspNetCore.Diagnostics;
using Streamiz.Kafka.Net.Errors;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// A subject store read while its task moves to another instance or thread (a rebalance) throws
/// <see cref="InvalidStateStoreException"/>. The answer is then a 503 to retry, never a 500, and never a verdict
/// made without the subject's state.
/// </summary>
public sealed class StateMovingExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not InvalidStateStoreException || httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Not available",
                Detail = "the subject's state is moving between instances (a rebalance); retry shortly",
            },
        });
    }
}
