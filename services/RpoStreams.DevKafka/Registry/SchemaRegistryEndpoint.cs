using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Contracts.Serialization;

namespace RpoStreams.DevKafka.Registry;

/// <summary>
/// The part of Confluent's Schema Registry REST API that Confluent's serializers (Java, Python, Go, .NET)
/// and <c>@kafkajs/confluent-schema-registry</c> use, served on a loopback port next to the embedded
/// broker so that clients in any language can be dialers on the development default. Backed by a
/// <see cref="SubjectRegistry"/>: the ids are the ones the gate uses. Development only, like the broker:
/// no authentication, no TLS, in memory.
/// </summary>
public sealed class SchemaRegistryEndpoint : IAsyncDisposable
{
    /// <summary>The content type of every answer (the one Confluent's registry sends).</summary>
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    private static readonly string[] SchemaTypes = ["AVRO"];

    // Schemas are JSON inside JSON: without relaxed escaping every quote would be \u0022 (valid, but unreadable with curl).
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication app;

    private SchemaRegistryEndpoint(WebApplication app, SubjectRegistry registry, string url)
    {
        this.app = app;
        Registry = registry;
        Url = url;
    }

    /// <summary>Where clients reach it, for example <c>http://127.0.0.1:40123</c>.</summary>
    public string Url { get; }

    public SubjectRegistry Registry { get; }

    /// <summary>
    /// Starts the endpoint over <paramref name="ids"/> on 127.0.0.1 (port 0: any free port); with
    /// <paramref name="empty"/> it holds no subject at first, as a production registry before anyone registered.
    /// </summary>
    public static async Task<SchemaRegistryEndpoint> StartAsync(LocalSchemaRegistry ids, int port = 0, ILogger? logger = null, bool empty = false, CancellationToken cancel = default)
    {
        var registry = new SubjectRegistry(ids, empty);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            await next(context);
            // A route or method outside the subset: routing answers without a body; Confluent's clients expect an error body.
            if (!context.Response.HasStarted && context.Response.StatusCode is 404 or 405)
            {
                await WriteAsync(context, HttpStatusCode.NotFound, new
                {
                    error_code = 404,
                    message = $"HTTP 404 Not Found: {context.Request.Method} {context.Request.Path} is not part of this development registry",
                });
            }
        });
        Map(app, new Routes(registry, logger ?? NullLogger.Instance));
        await app.StartAsync(cancel);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the schema registry endpoint has no address");
        return new SchemaRegistryEndpoint(app, registry, address.TrimEnd('/'));
    }

    private static void Map(WebApplication app, Routes routes)
    {
        app.MapGet("/", Handle(_ => Task.FromResult<object?>(new { })));
        app.MapGet("/schemas/types", Handle(_ => Task.FromResult<object?>(SchemaTypes)));
        app.MapGet("/schemas/ids/{id}", Handle(routes.SchemaById));
        app.MapGet("/subjects", Handle(_ => Task.FromResult<object?>(routes.Registry.Subjects())));
        app.MapPost("/subjects/{subject}", Handle(routes.Lookup));
        app.MapGet("/subjects/{subject}/versions", Handle(c => Task.FromResult<object?>(routes.Registry.Versions(Value(c, "subject")))));
        app.MapPost("/subjects/{subject}/versions", Handle(routes.Register));
        app.MapGet("/subjects/{subject}/versions/{version}", Handle(routes.Version));
        app.MapGet("/subjects/{subject}/versions/{version}/schema", Handle(c => Task.FromResult<object?>(JsonSerializer.Deserialize<JsonElement>(routes.Registry.Version(Value(c, "subject"), Value(c, "version")).Schema))));
        app.MapGet("/config", Handle(_ => Task.FromResult<object?>(new { compatibilityLevel = SubjectRegistry.FullTransitive })));
        app.MapPut("/config", Handle(c => routes.SetLevel(c, null)));
        app.MapGet("/config/{subject}", Handle(routes.SubjectLevel));
        app.MapPut("/config/{subject}", Handle(c => routes.SetLevel(c, Value(c, "subject"))));
        app.MapPost("/compatibility/subjects/{subject}/versions", Handle(routes.Compatibility));
        app.MapPost("/compatibility/subjects/{subject}/versions/{version}", Handle(routes.Compatibility));
    }

    private static RequestDelegate Handle(Func<HttpContext, Task<object?>> handler) => async context =>
    {
        object? body;
        var status = HttpStatusCode.OK;
        try
        {
            body = await handler(context);
        }
        catch (RegistryException e)
        {
            status = e.Status;
            body = new { error_code = e.ErrorCode, message = e.Message };
        }
        await WriteAsync(context, status, body);
    };

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, object? body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = ContentType;
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }

    private static string Value(HttpContext context, string name) => context.GetRouteValue(name)?.ToString() ?? string.Empty;

    /// <summary>The handlers that read a request body or a query string.</summary>
    private sealed class Routes(SubjectRegistry registry, ILogger logger)
    {
        public SubjectRegistry Registry => registry;

        public Task<object?> SchemaById(HttpContext context) =>
            Task.FromResult<object?>(int.TryParse(Value(context, "id"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? new { schema = registry.Schema(id) }
                : throw new RegistryException(HttpStatusCode.NotFound, 40403, $"Schema {Value(context, "id")} not found"));

        public async Task<object?> Register(HttpContext context)
        {
            var subject = Value(context, "subject");
            var (id, added, version) = registry.Register(subject, await SchemaOf(context));
            if (added)
            {
                logger.LogInformation("Schema registry endpoint: registered schema id {SchemaId} as version {Version} of {Subject}", id, version, subject);
            }
            return new { id };
        }

        public async Task<object?> Lookup(HttpContext context)
        {
            var found = registry.Lookup(Value(context, "subject"), await SchemaOf(context));
            return new { subject = found.Subject, id = found.Id, version = found.Version, schema = found.Schema };
        }

        public Task<object?> Version(HttpContext context)
        {
            var found = registry.Version(Value(context, "subject"), Value(context, "version"));
            return Task.FromResult<object?>(new { subject = found.Subject, id = found.Id, version = found.Version, schema = found.Schema });
        }

        public Task<object?> SubjectLevel(HttpContext context)
        {
            var subject = Value(context, "subject");
            var level = registry.SubjectLevel(subject)
                ?? (context.Request.Query["defaultToGlobal"] == "true" ? SubjectRegistry.FullTransitive : null)
                ?? throw new RegistryException(HttpStatusCode.NotFound, 40408, $"Subject '{subject}' does not have subject-level compatibility configured");
            return Task.FromResult<object?>(new { compatibilityLevel = level });
        }

        public async Task<object?> SetLevel(HttpContext context, string? subject)
        {
            using var body = await BodyOf(context);
            var level = body.RootElement.TryGetProperty("compatibility", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return new { compatibility = registry.SetLevel(subject, level) };
        }

        public async Task<object?> Compatibility(HttpContext context)
        {
            var problems = registry.Compatibility(Value(context, "subject"), context.GetRouteValue("version")?.ToString(), await SchemaOf(context));
            return context.Request.Query["verbose"] == "true"
                ? new { is_compatible = problems.Count == 0, messages = problems }
                : new { is_compatible = problems.Count == 0 };
        }

        /// <summary>The <c>schema</c> of a request body; only Avro, without references.</summary>
        private static async Task<string> SchemaOf(HttpContext context)
        {
            using var body = await BodyOf(context);
            var root = body.RootElement;
            if (root.TryGetProperty("schemaType", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "AVRO")
            {
                throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, $"Invalid schema type {type.GetString()}: this development registry holds Avro schemas only");
            }
            if (root.TryGetProperty("references", out var references) && references.ValueKind == JsonValueKind.Array && references.GetArrayLength() > 0)
            {
                throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, "Invalid schema: schema references are not supported by this development registry");
            }
            return root.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.String
                ? schema.GetString()!
                : throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, "Invalid schema: the request body has no \"schema\" string");
        }

        private static async Task<JsonDocument> BodyOf(HttpContext context)
        {
            try
            {
                var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                return body.RootElement.ValueKind == JsonValueKind.Object
                    ? body
                    : throw new RegistryException(HttpStatusCode.BadRequest, 400, "The request body must be a JSON object");
            }
            catch (JsonException e)
            {
                throw new RegistryException(HttpStatusCode.BadRequest, 400, $"The request body is not JSON: {e.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
