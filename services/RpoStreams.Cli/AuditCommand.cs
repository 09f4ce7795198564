using System.CommandLine;
using RpoStreams.Simulation;

namespace RpoStreams.Cli;

/// <summary><c>rpo audit</c>: is there exactly one decision per intent?</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var kafka = new KafkaOptions();
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for decisions to catch up", DefaultValueFactory = _ => 60 };
        var command = new Command("audit", "Read intents and decisions with read_committed and check each readable intent has exactly one decision; exit 1 otherwise") { wait };
        kafka.AddTo(command);
        command.SetAction(parse =>
        {
            var bootstrap = kafka.BootstrapOf(parse, "audit");
            if (bootstrap is null)
            {
                return 2;
            }
            using var clients = KafkaOptions.Connect(bootstrap, "audit");
            if (clients is null)
            {
                return 2;
            }
            var audit = new DecisionAudit(bootstrap, kafka.Serdes(parse), clients);
            var result = audit.Run(TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(wait))), message => Console.Error.WriteLine($"rpo audit: {message}"));
            Console.WriteLine(result);
            return result.Clean ? 0 : 1;
        });
        return command;
    }
}
