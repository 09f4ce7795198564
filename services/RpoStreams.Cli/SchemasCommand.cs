using System.CommandLine;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Cli;

/// <summary>
/// <c>rpo schemas</c>: whether a Schema Registry holds the contract's input schemas (producers look theirs up and
/// register none) and every schema the gate writes, under their subjects; with <c>--register</c>, registers those it
/// lacks. Run it before the first producer starts, and before each deployment that brings new schemas. Exit 0 when
/// every subject is there, 1 when one is not, 2 when the registry cannot be asked.
/// </summary>
internal static class SchemasCommand
{
    public static Command Create()
    {
        var kafka = new KafkaOptions();
        var applicationId = new Option<string>("--application-id") { Description = "The gate's Streams:ApplicationId (its internal topics' prefix)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Streams__ApplicationId") ?? "rpo-gate" };
        var register = new Option<bool>("--register") { Description = "Register the schemas the registry lacks (it refuses one incompatible with a subject's versions)" };
        var command = new Command("schemas", "Check that a Schema Registry holds the producers' input schemas and every schema the gate writes, one line per subject; --register registers the missing ones; exit 1 unless all are there, 2 when the registry cannot be asked") { applicationId, register };
        command.Options.Add(kafka.SchemaRegistry);
        command.SetAction(async (parse, cancel) =>
        {
            if (KafkaOptions.SettingsProblem(kafka: false) is { } shape)
            {
                Console.Error.WriteLine($"rpo schemas: {shape}");
                return 2;
            }
            if (string.IsNullOrWhiteSpace(parse.GetValue(kafka.SchemaRegistry)))
            {
                Console.Error.WriteLine("rpo schemas: --schema-registry URL is required (or set SchemaRegistry__Url)");
                return 2;
            }
            IReadOnlyList<SchemaPreflight.Subject> subjects;
            try
            {
                subjects = await SchemaPreflight.CheckAsync(kafka.Registry(parse), [.. GateSchemas.Read, .. GateSchemas.Written(parse.GetValue(applicationId)!)], parse.GetValue(register)).WaitAsync(cancel);
            }
            catch (Exception e) when (e is ArgumentException or UriFormatException)
            {
                Console.Error.WriteLine($"rpo schemas: --schema-registry '{parse.GetValue(kafka.SchemaRegistry)}' is not a registry URL: {e.Message}");
                return 2;
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"rpo schemas: the registry {SchemaPreflight.Failure(e)}");
                return 2;
            }
            foreach (var subject in subjects)
            {
                Console.WriteLine(subject);
            }
            var ready = subjects.Count(s => s.Ready);
            Console.WriteLine($"subjects: {subjects.Count} registered: {ready} registered now: {subjects.Count(s => s.RegisteredNow)} not registered: {subjects.Count - ready}");
            return ready == subjects.Count ? 0 : 1;
        });
        return command;
    }
}
