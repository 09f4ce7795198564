using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Hosting.Api;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;

namespace RpoStreams.Gate.Hosting.Settings;

/// <summary>
/// Validates every section of the gate's settings for the options framework (registered with
/// <c>ValidateOnStart</c>, so a bad value stops start-up): each <see cref="RangeAttribute"/> of a section, then
/// the section's own rules (formats, secrets required outside Development). Every problem is collected, each one
/// line that names the setting: <c>Streams:Threads must be between 1 and 64 (got 0)</c>.
/// </summary>
public sealed class GateSettingsValidator(bool development) :
    IValidateOptions<KafkaSettings>,
    IValidateOptions<StreamsSettings>,
    IValidateOptions<SchemaRegistrySettings>,
    IValidateOptions<SubjectSettings>,
    IValidateOptions<PolicySettings>,
    IValidateOptions<AlertSettings>,
    IValidateOptions<IntakeSettings>,
    IValidateOptions<DemoSettings>,
    IValidateOptions<ApiSettings>
{
    public ValidateOptionsResult Validate(string? name, KafkaSettings options) => Result("Kafka", options, options.Validate(development));

    public ValidateOptionsResult Validate(string? name, StreamsSettings options) => Result("Streams", options, options.Validate());

    public ValidateOptionsResult Validate(string? name, SchemaRegistrySettings options) => Result("SchemaRegistry", options, Registry(options));

    public ValidateOptionsResult Validate(string? name, SubjectSettings options) => Result("Subjects", options, options.Validate(development));

    // The policy project checks its own settings, ranges included (replay and the tests use them without a host).
    public ValidateOptionsResult Validate(string? name, PolicySettings options) => Outcome([.. options.Validate()]);

    public ValidateOptionsResult Validate(string? name, AlertSettings options) => Result("Alerts", options, []);

    public ValidateOptionsResult Validate(string? name, IntakeSettings options) => Result("Intake", options, options.Validate());

    public ValidateOptionsResult Validate(string? name, DemoSettings options) => Result("Demo", options, []);

    public ValidateOptionsResult Validate(string? name, ApiSettings options) => Result("Api", options, options.Validate(development));

    private static ValidateOptionsResult Result(string section, object settings, IEnumerable<string> rules) =>
        Outcome([.. SettingRanges.OutOfRange(section, settings), .. rules]);

    private static ValidateOptionsResult Outcome(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);

    private static IEnumerable<string> Registry(SchemaRegistrySettings settings)
    {
        if (settings.IsRemote && !Uri.TryCreate(settings.Url!.Split(',')[0], UriKind.Absolute, out _))
        {
            yield return $"SchemaRegistry:Url '{settings.Url}' is not an absolute URL";
        }
        // Read only by a remote registry's client.
        var files = settings.IsRemote
            ? SettingFiles.Missing("SchemaRegistry", (nameof(settings.SslCaLocation), settings.SslCaLocation), (nameof(settings.SslKeystoreLocation), settings.SslKeystoreLocation))
            : [];
        foreach (var missing in files)
        {
            yield return missing;
        }
    }
}
