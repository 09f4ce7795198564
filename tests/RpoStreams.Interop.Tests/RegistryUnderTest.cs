using System.Net;
using System.Text;
using System.Text.Json;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka.Registry;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// A Schema Registry endpoint of its own for one test (a fresh local registry, a free loopback port), and
/// an HTTP client that checks every answer carries Confluent's content type.
/// </summary>
public sealed class RegistryUnderTest : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private RegistryUnderTest(SchemaRegistryEndpoint endpoint, LocalSchemaRegistry ids)
    {
        Endpoint = endpoint;
        Ids = ids;
    }

    public SchemaRegistryEndpoint Endpoint { get; }

    /// <summary>The registry behind the endpoint (what the embedded gate's serdes read).</summary>
    public LocalSchemaRegistry Ids { get; }

    public string Url => Endpoint.Url;

    public static async Task<RegistryUnderTest> StartAsync()
    {
        var ids = new LocalSchemaRegistry();
        return new RegistryUnderTest(await SchemaRegistryEndpoint.StartAsync(ids, cancel: TestContext.Current.CancellationToken), ids);
    }

    /// <summary>The request body Confluent's clients send to register or look up a schema.</summary>
    public static object SchemaBody(string schema) => new { schema };

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, Url + path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, SchemaRegistryEndpoint.ContentType);
        }
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(SchemaRegistryEndpoint.ContentType, response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, body);

    public Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, body);

    /// <summary>Asserts a Confluent error answer: the HTTP status and the body's <c>error_code</c>, with a message.</summary>
    public static void AssertError((HttpStatusCode Status, JsonElement Body) answer, HttpStatusCode status, int errorCode)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal(errorCode, answer.Body.GetProperty("error_code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("message").GetString()));
    }

    public ValueTask DisposeAsync() => Endpoint.DisposeAsync();
}

/// <summary>Schemas the tests evolve, written as a person would write them.</summary>
public static class TestSchemas
{
    /// <summary>A record <c>test.Contact</c> with the given fields (JSON of each field).</summary>
    public static string Record(params string[] fields) =>
        $$"""{"type":"record","name":"Contact","namespace":"test","fields":[{{string.Join(",", fields)}}]}""";

    /// <summary>CallIntent v2: v1 plus an optional <c>dialerRef</c> (tests/RpoStreams.Contracts.Tests/Schemas).</summary>
    public static string CallIntentV2 { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "CallIntent.v2.avsc"));

    /// <summary>A schema with one more field (the field's JSON).</summary>
    public static string WithField(string schema, string field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(schema)!;
        node["fields"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse(field));
        return node.ToJsonString();
    }

    /// <summary>The id this project gives a schema (from its Parsing Canonical Form), as the gate does.</summary>
    public static int IdOf(string schema) => LocalSchemaRegistry.IdOf(Avro.SchemaNormalization.ToParsingForm(Avro.Schema.Parse(schema)));

    /// <summary>The text of a schema of schemas/ (for example <c>CallIntent</c>), as embedded from the file.</summary>
    public static string Project(string name) => EmbeddedSchemas.All[$"schemas/{name}.avsc"];
}
