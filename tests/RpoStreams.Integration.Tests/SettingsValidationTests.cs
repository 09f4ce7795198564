using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Integration.Tests;

/// <summary>Settings go through the options framework: every bad value is collected, each in one line that names it.</summary>
public class SettingsValidationTests
{
    [Fact]
    public void Every_bad_setting_is_one_line_naming_it_with_the_range_and_the_value()
    {
        // Given settings with a bad value in three sections
        var config = new GateConfiguration
        {
            Kafka = new KafkaSettings { Partitions = 0 },
            Streams = new StreamsSettings { Threads = 0 },
            Alerts = new AlertSettings { ListNotScrubbedBlockedPercent = 101 },
            Development = true,
        };

        // When
        var problems = config.Validate();

        // Then each is reported, as the operator would set it
        Assert.Equal(
            ["Kafka:Partitions must be between 1 and 1024 (got 0)", "Streams:Threads must be between 1 and 64 (got 0)", "Alerts:ListNotScrubbedBlockedPercent must be between 1 and 100 (got 101)"],
            problems);
    }

    /// <summary>A registry's certificate or keystore that is not there is named at start (it failed after start, naming no setting).</summary>
    [Fact]
    public void A_schema_registry_certificate_file_must_exist()
    {
        var config = new GateConfiguration
        {
            SchemaRegistry = new() { Url = "https://registry:8081", SslCaLocation = "/nonexistent/ca.pem", SslKeystoreLocation = "/nonexistent/client.p12" },
            Development = true,
        };

        Assert.Equal(
            ["SchemaRegistry:SslCaLocation '/nonexistent/ca.pem' does not exist", "SchemaRegistry:SslKeystoreLocation '/nonexistent/client.p12' does not exist"],
            config.Validate());
    }

    [Fact]
    public void The_defaults_are_valid_in_Development()
    {
        Assert.Empty(new GateConfiguration { Development = true }.Validate());
    }

    [Fact]
    public void The_options_framework_collects_every_problem_at_start()
    {
        // Given configuration with bad values in two sections
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:PollMs"] = "0",
            ["Api:MaxBatchSubjects"] = "0",
            ["Policy:WeekdayHours"] = "9-20",
        }).Build();
        using var services = new ServiceCollection().AddGateSettings(configuration, development: true).BuildServiceProvider();

        // When the host validates at start
        var failure = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Then every problem is there, each naming its setting
        var lines = failure is AggregateException all ? all.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList() : ((OptionsValidationException)failure).Failures.ToList();
        Assert.Contains("Streams:PollMs must be between 1 and 1000 (got 0)", lines);
        Assert.Contains("Api:MaxBatchSubjects must be between 1 and 100000 (got 0)", lines);
        Assert.Contains(lines, l => l.StartsWith("Policy:WeekdayHours '9-20' must be HH:mm-HH:mm", StringComparison.Ordinal));
    }

    [Fact]
    public void A_configured_holiday_list_replaces_the_default()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Policy:Holidays:0"] = "12-25" }).Build();
        using var services = new ServiceCollection().AddGateSettings(configuration, development: true).BuildServiceProvider();

        Assert.Equal(["12-25"], services.GetRequiredService<GateConfiguration>().Policy.Holidays);
    }
}
