using System.CommandLine;
using RpoStreams.Cli;
using RpoStreams.Contracts;

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
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    // Ctrl+C while a command waits: stopped, as the shell counts a SIGINT.
    return 130;
}
catch (Exception e)
{
    // One line naming the command, not a stack trace: a file it cannot read, a port in use, a broker gone mid-run.
    var command = root.Subcommands.FirstOrDefault(c => args.Contains(c.Name))?.Name;
    Console.Error.WriteLine($"rpo{(command is null ? "" : " " + command)}: {LogSafe.Text(e.Message)}");
    return 1;
}
