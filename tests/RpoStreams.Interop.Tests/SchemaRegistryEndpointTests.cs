using System.Net;
using System.Text.Json;
using RpoStreams.Contracts;
using RpoStreams.DevKafka.Registry;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// The development Schema Registry endpoint, route by route, as Confluent's REST API answers: bodies,
/// <c>error_code</c>s (40401 subject, 40402 version, 40403 schema, 40408 no subject-level config, 409
/// incompatible, 42201 invalid schema, 42202 invalid version, 42203 invalid level), ids the gate derives,
/// and the FULL_TRANSITIVE rule.
/// </summary>
public sealed class SchemaRegistryEndpointTests : IAsyncLifetime
{
    private const string Intents = TopicNames.Intents + "-value";
    private RegistryUnderTest registry = null!;

    public async ValueTask InitializeAsync() => registry = await RegistryUnderTest.StartAsync();

    public ValueTask DisposeAsync() => registry.DisposeAsync();

    [Fact]
    public async Task Subjects_are_the_value_subjects_of_the_contracts_topics()
    {
        var (status, body) = await registry.GetAsync("/subjects");

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = SubjectRegistry.ProjectValueSchemas.Select(p => p.Topic + "-value").Order(StringComparer.Ordinal);
        Assert.Equal(expected, body.EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task A_contract_schema_is_version_1_of_its_subject_with_the_id_the_gate_derives()
    {
        var latest = await registry.GetAsync($"/subjects/{Intents}/versions/latest");
        var first = await registry.GetAsync($"/subjects/{Intents}/versions/1");
        var minusOne = await registry.GetAsync($"/subjects/{Intents}/versions/-1");
        var versions = await registry.GetAsync($"/subjects/{Intents}/versions");

        var id = TestSchemas.IdOf(TestSchemas.Project("CallIntent"));
        foreach (var (status, body) in new[] { latest, first, minusOne })
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(Intents, body.GetProperty("subject").GetString());
            Assert.Equal(1, body.GetProperty("version").GetInt32());
            Assert.Equal(id, body.GetProperty("id").GetInt32());
            Assert.Equal(id, TestSchemas.IdOf(body.GetProperty("schema").GetString()!));
        }
        Assert.Equal([1], versions.Body.EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(id, await registry.Ids.GetSchemaIdAsync(Intents, new Confluent.SchemaRegistry.Schema(TestSchemas.Project("CallIntent"), Confluent.SchemaRegistry.SchemaType.Avro)));
    }

    [Fact]
    public async Task The_schema_of_a_version_alone_is_the_raw_schema()
    {
        var (status, body) = await registry.GetAsync($"/subjects/{Intents}/versions/latest/schema");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CallIntent", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Registering_a_contract_schema_from_its_avsc_returns_its_id_and_adds_no_version()
    {
        var (status, body) = await registry.PostAsync($"/subjects/{Intents}/versions", RegistryUnderTest.SchemaBody(TestSchemas.Project("CallIntent")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), body.GetProperty("id").GetInt32());
        Assert.Equal(1, (await registry.GetAsync($"/subjects/{Intents}/versions")).Body.GetArrayLength());
    }

    [Fact]
    public async Task A_known_schema_under_a_new_subject_becomes_its_version_1_with_the_same_id()
    {
        // What the gate does with SchemaRegistry:Url set: it registers its internal records under its internal topics' subjects.
        var subjectEvent = EmbeddedSubjectEvent();
        var (status, body) = await registry.PostAsync("/subjects/rpo-gate-subject-events-repartition-value/versions", RegistryUnderTest.SchemaBody(subjectEvent));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TestSchemas.IdOf(subjectEvent), body.GetProperty("id").GetInt32());
        var version = await registry.GetAsync("/subjects/rpo-gate-subject-events-repartition-value/versions/1");
        Assert.Equal(TestSchemas.IdOf(subjectEvent), version.Body.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Looking_a_schema_up_under_its_subject_returns_subject_id_version_and_schema()
    {
        var (status, body) = await registry.PostAsync($"/subjects/{Intents}", RegistryUnderTest.SchemaBody(TestSchemas.Project("CallIntent")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Intents, body.GetProperty("subject").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), body.GetProperty("id").GetInt32());
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), TestSchemas.IdOf(body.GetProperty("schema").GetString()!));
    }

    [Fact]
    public async Task Lookup_of_an_unknown_subject_is_40401_and_of_a_schema_not_in_the_subject_40403()
    {
        RegistryUnderTest.AssertError(
            await registry.PostAsync("/subjects/nobody-value", RegistryUnderTest.SchemaBody(TestSchemas.Project("CallIntent"))), HttpStatusCode.NotFound, 40401);
        RegistryUnderTest.AssertError(
            await registry.PostAsync($"/subjects/{Intents}", RegistryUnderTest.SchemaBody(TestSchemas.Project("CallAttempt"))), HttpStatusCode.NotFound, 40403);
    }

    [Fact]
    public async Task A_schema_by_id_is_its_text_and_an_unknown_id_is_40403()
    {
        var id = TestSchemas.IdOf(TestSchemas.Project("CallDecision"));
        var (status, body) = await registry.GetAsync($"/schemas/ids/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, TestSchemas.IdOf(body.GetProperty("schema").GetString()!));
        Assert.Equal(HttpStatusCode.OK, (await registry.GetAsync($"/schemas/ids/{id}?subject=calls.decisions.v1-value")).Status);
        RegistryUnderTest.AssertError(await registry.GetAsync("/schemas/ids/2147483633"), HttpStatusCode.NotFound, 40403);
        RegistryUnderTest.AssertError(await registry.GetAsync("/schemas/ids/nope"), HttpStatusCode.NotFound, 40403);
    }

    [Fact]
    public async Task Versions_of_an_unknown_subject_are_40401_a_missing_version_40402_and_a_bad_one_42202()
    {
        RegistryUnderTest.AssertError(await registry.GetAsync("/subjects/nobody-value/versions"), HttpStatusCode.NotFound, 40401);
        RegistryUnderTest.AssertError(await registry.GetAsync("/subjects/nobody-value/versions/latest"), HttpStatusCode.NotFound, 40401);
        RegistryUnderTest.AssertError(await registry.GetAsync($"/subjects/{Intents}/versions/2"), HttpStatusCode.NotFound, 40402);
        RegistryUnderTest.AssertError(await registry.GetAsync($"/subjects/{Intents}/versions/0"), HttpStatusCode.UnprocessableEntity, 42202);
        RegistryUnderTest.AssertError(await registry.GetAsync($"/subjects/{Intents}/versions/first"), HttpStatusCode.UnprocessableEntity, 42202);
    }

    [Fact]
    public async Task A_compatible_new_version_gets_its_derived_id_and_renumbers_nothing()
    {
        var before = await registry.GetAsync("/subjects");
        var (status, body) = await registry.PostAsync($"/subjects/{Intents}/versions", RegistryUnderTest.SchemaBody(TestSchemas.CallIntentV2));
        var again = await registry.PostAsync($"/subjects/{Intents}/versions", RegistryUnderTest.SchemaBody(TestSchemas.CallIntentV2));

        Assert.Equal(HttpStatusCode.OK, status);
        var v2 = body.GetProperty("id").GetInt32();
        Assert.Equal(TestSchemas.IdOf(TestSchemas.CallIntentV2), v2);
        Assert.Equal(v2, again.Body.GetProperty("id").GetInt32());
        Assert.Equal([1, 2], (await registry.GetAsync($"/subjects/{Intents}/versions")).Body.EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(v2, (await registry.GetAsync($"/subjects/{Intents}/versions/latest")).Body.GetProperty("id").GetInt32());
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), (await registry.GetAsync($"/subjects/{Intents}/versions/1")).Body.GetProperty("id").GetInt32());
        foreach (var subject in before.Body.EnumerateArray().Select(s => s.GetString()!).Where(s => s != Intents))
        {
            Assert.Equal(1, (await registry.GetAsync($"/subjects/{subject}/versions")).Body.GetArrayLength());
        }
        // The registry the embedded gate's serdes read knows it at once.
        Assert.Equal(v2, TestSchemas.IdOf((await registry.Ids.GetSchemaAsync(v2)).SchemaString));
    }

    [Fact]
    public async Task An_incompatible_schema_is_409_and_registers_nothing()
    {
        // A new field without a default: the new schema cannot read what v1 wrote.
        var required = TestSchemas.WithField(TestSchemas.Project("CallIntent"), """{"name":"dialerRef","type":"string"}""");

        var answer = await registry.PostAsync($"/subjects/{Intents}/versions", RegistryUnderTest.SchemaBody(required));

        RegistryUnderTest.AssertError(answer, HttpStatusCode.Conflict, 409);
        Assert.Contains("dialerRef", answer.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await registry.GetAsync($"/subjects/{Intents}/versions")).Body.GetArrayLength());
        RegistryUnderTest.AssertError(await registry.GetAsync($"/schemas/ids/{TestSchemas.IdOf(required)}"), HttpStatusCode.NotFound, 40403);
    }

    [Fact]
    public async Task Compatibility_is_full_and_transitive_over_every_earlier_version()
    {
        // v1 requires a; v2 gives it a default and adds an optional b; v3 drops a: v3 is fully compatible with v2,
        // not with v1 (v1 cannot read v3).
        var v1 = TestSchemas.Record("""{"name":"id","type":"string"}""", """{"name":"a","type":"string"}""");
        var v2 = TestSchemas.Record("""{"name":"id","type":"string"}""", """{"name":"a","type":"string","default":"-"}""", """{"name":"b","type":["null","string"],"default":null}""");
        var v3 = TestSchemas.Record("""{"name":"id","type":"string"}""", """{"name":"b","type":["null","string"],"default":null}""");
        Assert.Equal(HttpStatusCode.OK, (await registry.PostAsync("/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(v1))).Status);
        Assert.Equal(HttpStatusCode.OK, (await registry.PostAsync("/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(v2))).Status);

        var againstV2 = await registry.PostAsync("/compatibility/subjects/contacts-value/versions/2", RegistryUnderTest.SchemaBody(v3));
        var againstLatest = await registry.PostAsync("/compatibility/subjects/contacts-value/versions/latest?verbose=true", RegistryUnderTest.SchemaBody(v3));
        var againstAll = await registry.PostAsync("/compatibility/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(v3));
        var registered = await registry.PostAsync("/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(v3));

        Assert.True(againstV2.Body.GetProperty("is_compatible").GetBoolean());
        Assert.False(againstLatest.Body.GetProperty("is_compatible").GetBoolean());
        Assert.Contains("version 1", againstLatest.Body.GetProperty("messages")[0].GetString(), StringComparison.Ordinal);
        Assert.False(againstAll.Body.GetProperty("is_compatible").GetBoolean());
        RegistryUnderTest.AssertError(registered, HttpStatusCode.Conflict, 409);
        Assert.Contains("version 1", registered.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_that_differs_only_in_what_the_canonical_form_drops_is_the_same_schema()
    {
        // Parsing Canonical Form keeps names, types, fields and symbols; docs, defaults and logical types do not change the id.
        var v1 = TestSchemas.Record("""{"name":"id","type":"string"}""", """{"name":"a","type":"string"}""");
        var documented = TestSchemas.Record("""{"name":"id","type":"string","doc":"who"}""", """{"name":"a","type":"string","default":"-"}""");

        var first = await registry.PostAsync("/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(v1));
        var second = await registry.PostAsync("/subjects/contacts-value/versions", RegistryUnderTest.SchemaBody(documented));

        Assert.Equal(first.Body.GetProperty("id").GetInt32(), second.Body.GetProperty("id").GetInt32());
        Assert.Equal([1], (await registry.GetAsync("/subjects/contacts-value/versions")).Body.EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task Compatibility_of_an_unknown_subject_is_40401_and_of_a_missing_version_40402()
    {
        var schema = RegistryUnderTest.SchemaBody(TestSchemas.CallIntentV2);

        RegistryUnderTest.AssertError(await registry.PostAsync("/compatibility/subjects/nobody-value/versions/latest", schema), HttpStatusCode.NotFound, 40401);
        RegistryUnderTest.AssertError(await registry.PostAsync($"/compatibility/subjects/{Intents}/versions/7", schema), HttpStatusCode.NotFound, 40402);
        Assert.True((await registry.PostAsync($"/compatibility/subjects/{Intents}/versions/latest", schema)).Body.GetProperty("is_compatible").GetBoolean());
    }

    [Theory]
    [InlineData("{\"schema\": \"{not json\"}")]
    [InlineData("{\"schema\": \"{\\\"type\\\": \\\"record\\\", \\\"name\\\": \\\"NoFields\\\"}\"}")]
    [InlineData("{\"schema\": \"\\\"nosuchtype\\\"\"}")]
    [InlineData("{\"schemaType\": \"PROTOBUF\", \"schema\": \"syntax = \\\"proto3\\\";\"}")]
    [InlineData("{\"schema\": \"\\\"string\\\"\", \"references\": [{\"name\": \"x\", \"subject\": \"y\", \"version\": 1}]}")]
    [InlineData("{\"notaschema\": 1}")]
    public async Task An_invalid_schema_is_422_with_42201(string body)
    {
        var answer = await registry.PostAsync("/subjects/anything-value/versions", JsonSerializer.Deserialize<JsonElement>(body));

        RegistryUnderTest.AssertError(answer, HttpStatusCode.UnprocessableEntity, 42201);
        RegistryUnderTest.AssertError(await registry.GetAsync("/subjects/anything-value/versions"), HttpStatusCode.NotFound, 40401);
    }

    [Fact]
    public async Task The_global_level_is_full_transitive_and_only_full_transitive_can_be_put()
    {
        var global = await registry.GetAsync("/config");
        var put = await registry.PutAsync("/config", new { compatibility = "FULL_TRANSITIVE" });

        Assert.Equal("FULL_TRANSITIVE", global.Body.GetProperty("compatibilityLevel").GetString());
        Assert.Equal("FULL_TRANSITIVE", put.Body.GetProperty("compatibility").GetString());
        RegistryUnderTest.AssertError(await registry.PutAsync("/config", new { compatibility = "BACKWARD" }), HttpStatusCode.UnprocessableEntity, 42203);
        RegistryUnderTest.AssertError(await registry.PutAsync("/config", new { compatibility = "SIDEWAYS" }), HttpStatusCode.UnprocessableEntity, 42203);
        Assert.Equal("FULL_TRANSITIVE", (await registry.GetAsync("/config")).Body.GetProperty("compatibilityLevel").GetString());
    }

    [Fact]
    public async Task Contract_subjects_have_their_own_level_and_others_only_once_it_is_put()
    {
        var contract = await registry.GetAsync($"/config/{Intents}");
        var other = await registry.GetAsync("/config/contacts-value");
        var otherOrGlobal = await registry.GetAsync("/config/contacts-value?defaultToGlobal=true");
        var put = await registry.PutAsync("/config/contacts-value", new { compatibility = "FULL_TRANSITIVE" });
        var after = await registry.GetAsync("/config/contacts-value");

        Assert.Equal("FULL_TRANSITIVE", contract.Body.GetProperty("compatibilityLevel").GetString());
        RegistryUnderTest.AssertError(other, HttpStatusCode.NotFound, 40408);
        Assert.Equal("FULL_TRANSITIVE", otherOrGlobal.Body.GetProperty("compatibilityLevel").GetString());
        Assert.Equal("FULL_TRANSITIVE", put.Body.GetProperty("compatibility").GetString());
        Assert.Equal("FULL_TRANSITIVE", after.Body.GetProperty("compatibilityLevel").GetString());
        RegistryUnderTest.AssertError(await registry.PutAsync($"/config/{Intents}", new { compatibility = "NONE" }), HttpStatusCode.UnprocessableEntity, 42203);
    }

    [Fact]
    public async Task A_route_or_method_outside_the_subset_is_404_with_an_error_body()
    {
        RegistryUnderTest.AssertError(await registry.GetAsync("/contexts"), HttpStatusCode.NotFound, 404);
        RegistryUnderTest.AssertError(await registry.SendAsync(HttpMethod.Delete, $"/subjects/{Intents}"), HttpStatusCode.NotFound, 404);
        RegistryUnderTest.AssertError(await registry.GetAsync("/subjects/calls.intents.v1-value/versions/1/referencedby"), HttpStatusCode.NotFound, 404);
        Assert.Equal(["AVRO"], (await registry.GetAsync("/schemas/types")).Body.EnumerateArray().Select(t => t.GetString()));
    }

    private static string EmbeddedSubjectEvent() => RpoStreams.Contracts.Serialization.EmbeddedSchemas.All["schemas/internal/SubjectEvent.avsc"];
}
