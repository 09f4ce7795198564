namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// 401 without a known X-Api-Key, 403 when it asks about another company (400 for a companyId no company can have), 400
/// when a query parameter is given twice (which one counts would be a guess); all as problem+json, counted.
/// </summary>
public sealed class ApiKeyFilter : IEndpointFilter
{
    public const string CompanyItem = "rpo.companyId";

    private readonly ApiSettings settings;
    private readonly ClientErrors errors;

    public ApiKeyFilter(ApiSettings settings, ClientErrors errors)
    {
        this.settings = settings;
        this.errors = errors;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[CheckEndpoints.ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(key) || !settings.Keys.TryGetValue(key, out var company))
        {
            http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            return string.IsNullOrEmpty(key)
                ? errors.Refuse(StatusCodes.Status401Unauthorized, ClientErrors.NoKey, "Unauthorized", "send an API key in the X-Api-Key header")
                : errors.Refuse(StatusCodes.Status401Unauthorized, ClientErrors.UnknownKey, "Unauthorized", "this API key is not known (Api:Keys)");
        }
        if (CheckInput.Repeated(http.Request.Query) is { } repeated)
        {
            return errors.Refuse(StatusCodes.Status400BadRequest, ClientErrors.RepeatedParameter, "Bad request", repeated);
        }
        var asked = http.Request.Query["companyId"].ToString();
        if (asked.Length > 0 && !string.Equals(asked, company, StringComparison.Ordinal))
        {
            return CheckEndpoints.OtherCompany(asked, errors);
        }
        http.Items[CompanyItem] = company;
        return await next(context);
    }
}
