using Avro;
using RpoStreams.DevKafka.Registry;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// The rule the development registry enforces between versions of a subject: Avro schema resolution,
/// both ways (FULL), as Confluent's registry checks it. Each case names the change a producer makes.
/// </summary>
public class AvroCompatibilityTests
{
    private static Schema Record(params string[] fields) => Schema.Parse(TestSchemas.Record(fields));

    private static Schema Enum(string symbols, string? defaultSymbol = null)
    {
        var withDefault = defaultSymbol is null ? string.Empty : $",\"default\":\"{defaultSymbol}\"";
        return Record("{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[" + symbols + "]" + withDefault + "}}");
    }

    private static readonly Schema V1 = Record("""{"name":"id","type":"string"}""");

    [Fact]
    public void Adding_an_optional_field_with_a_default_is_fully_compatible()
    {
        var v2 = Record("""{"name":"id","type":"string"}""", """{"name":"note","type":["null","string"],"default":null}""");

        Assert.Null(AvroCompatibility.FullProblem(v2, V1));
    }

    [Fact]
    public void Adding_a_field_without_a_default_is_incompatible_the_new_reader_cannot_read_old_data()
    {
        var v2 = Record("""{"name":"id","type":"string"}""", """{"name":"note","type":"string"}""");

        Assert.NotNull(AvroCompatibility.ReadProblem(v2, V1));
        Assert.Null(AvroCompatibility.ReadProblem(V1, v2));
        Assert.Contains("note", AvroCompatibility.FullProblem(v2, V1), StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_a_field_without_a_default_is_incompatible_the_old_reader_cannot_read_new_data()
    {
        var v1 = Record("""{"name":"id","type":"string"}""", """{"name":"note","type":"string"}""");

        Assert.NotNull(AvroCompatibility.FullProblem(V1, v1));
    }

    [Fact]
    public void Changing_a_field_type_is_incompatible_but_int_to_long_is_a_promotion_one_way()
    {
        var asInt = Record("""{"name":"n","type":"int"}""");
        var asLong = Record("""{"name":"n","type":"long"}""");
        var asString = Record("""{"name":"n","type":"string"}""");

        Assert.Null(AvroCompatibility.ReadProblem(asLong, asInt));
        Assert.NotNull(AvroCompatibility.ReadProblem(asInt, asLong));
        Assert.NotNull(AvroCompatibility.FullProblem(asString, asInt));
    }

    [Fact]
    public void Adding_an_enum_symbol_is_incompatible_unless_the_reader_has_a_default()
    {
        Assert.NotNull(AvroCompatibility.FullProblem(Enum("\"A\",\"B\",\"C\""), Enum("\"A\",\"B\"")));
        Assert.Null(AvroCompatibility.FullProblem(Enum("\"A\",\"B\",\"C\"", "A"), Enum("\"A\",\"B\"", "A")));
    }

    [Fact]
    public void Widening_a_union_is_incompatible_an_old_reader_cannot_read_the_new_branch()
    {
        var narrow = Record("""{"name":"v","type":["null","string"],"default":null}""");
        var wide = Record("""{"name":"v","type":["null","string","int"],"default":null}""");

        Assert.Null(AvroCompatibility.ReadProblem(wide, narrow));
        Assert.NotNull(AvroCompatibility.ReadProblem(narrow, wide));
    }

    [Fact]
    public void A_logical_type_does_not_change_what_is_on_the_wire()
    {
        var millis = Record("""{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}""");
        var plain = Record("""{"name":"at","type":"long"}""");

        Assert.Null(AvroCompatibility.FullProblem(millis, plain));
    }

    [Fact]
    public void A_renamed_record_is_incompatible()
    {
        var renamed = Schema.Parse("""{"type":"record","name":"Person","namespace":"test","fields":[{"name":"id","type":"string"}]}""");

        Assert.NotNull(AvroCompatibility.FullProblem(renamed, V1));
    }

    [Fact]
    public void A_recursive_schema_is_compatible_with_itself()
    {
        var list = Schema.Parse("""{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}""");
        var again = Schema.Parse(list.ToString());

        Assert.Null(AvroCompatibility.FullProblem(again, list));
    }

    [Fact]
    public void Every_contract_schema_is_fully_compatible_with_itself_and_CallIntent_v2_with_v1()
    {
        foreach (var (_, schema) in SubjectRegistry.ProjectValueSchemas)
        {
            Assert.Null(AvroCompatibility.FullProblem(Schema.Parse(schema.ToString()), schema));
        }
        Assert.Null(AvroCompatibility.FullProblem(Schema.Parse(TestSchemas.CallIntentV2), Records.CallIntent._SCHEMA));
    }
}
