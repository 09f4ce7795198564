using System.CommandLine;
using RpoStreams.Cli.Replay;

namespace RpoStreams.Cli;

/// <summary><c>rpo replay FILE</c>: the gate's topology over a scenario file, JSON Lines out.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Scenario in JSON Lines (DESIGN section 4)" };
        var command = new Command("replay", "Run the gate's topology in-process over a scenario and print decisions, alerts and dead letters as JSON Lines") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine(Directory.Exists(path.FullName)
                    ? $"rpo replay: a directory, not a scenario file: {path.FullName}"
                    : $"rpo replay: file not found: {path.FullName}");
                return 2;
            }
            var stdout = Console.Out;
            new ScenarioReplay().Run(File.ReadLines(path.FullName), o => stdout.WriteLine(ScenarioReplay.ToLine(o)));
            stdout.Flush();
            return 0;
        });
        return command;
    }
}
