using System.CommandLine;
using RpoStreams.Cli;

var root = new RootCommand("rpo: the RpoStreams command line (replay scenarios, run the embedded broker, simulate traffic, audit, read dead letters and lag, check the registry's schemas)")
{
    ReplayCommand.Create(),
    DevKafkaCommand.Create(),
    SimulateCommand.Create(),
    AuditCommand.Create(),
    DeadLettersCommand.Create(),
    LagCommand.Create(),
    SchemasCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
