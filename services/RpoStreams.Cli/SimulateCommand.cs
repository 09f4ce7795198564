using System.CommandLine;
using Confluent.Kafka;
using RpoStreams.Policy;
using RpoStreams.Simulation;
using Spectre.Console;

namespace RpoStreams.Cli;

/// <summary><c>rpo simulate</c>: realistic synthetic traffic into any Kafka.</summary>
internal static class SimulateCommand
{
    /// <summary>Slowest and fastest --rate: one intent a minute, a million a second.</summary>
    private const double MinRate = 1.0 / 60, MaxRate = 1_000_000;

    public static Command Create()
    {
        var kafka = new KafkaOptions();
        var register = new Option<long>("--register") { Description = "Numbers to put in the register", DefaultValueFactory = _ => 10_000 };
        var intents = new Option<long>("--intents") { Description = "Intents to send", DefaultValueFactory = _ => 100_000 };
        var rate = new Option<double>("--rate") { Description = "Intents per second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same traffic)", DefaultValueFactory = _ => 1 };
        var continuous = new Option<bool>("--continuous") { Description = "Keep sending intents at --rate until stopped (Ctrl+C)" };
        var command = new Command("simulate", "Produce realistic synthetic traffic: valid Italian numbers, a register, consents, a fresh consultation, intents inside calling hours")
        {
            register, intents, rate, seed, continuous,
        };
        kafka.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var bootstrap = kafka.BootstrapOf(parse, "simulate");
            if (bootstrap is null)
            {
                return Task.FromResult(2);
            }
            var plan = new SimulationPlan
            {
                Register = parse.GetValue(register),
                Intents = parse.GetValue(intents),
                Rate = parse.GetValue(rate),
                Seed = parse.GetValue(seed),
                Continuous = parse.GetValue(continuous),
            };
            if (plan.Register < 0 || plan.Intents < 0 || plan.Rate < 0)
            {
                Console.Error.WriteLine("rpo simulate: --register, --intents and --rate must not be negative");
                return Task.FromResult(2);
            }
            if (!double.IsFinite(plan.Rate) || plan.Rate is > 0 and < MinRate or > MaxRate)
            {
                Console.Error.WriteLine("rpo simulate: --rate must be 0 (as fast as possible) or from 1/60 (one a minute) to 1000000 intents per second");
                return Task.FromResult(2);
            }
            if (plan.Continuous && plan.Rate <= 0)
            {
                Console.Error.WriteLine("rpo simulate: --continuous needs a --rate");
                return Task.FromResult(2);
            }
            using var clients = KafkaOptions.Connect(bootstrap, "simulate");
            if (clients is null)
            {
                return Task.FromResult(2);
            }
            var config = new ProducerConfig { BootstrapServers = bootstrap, ClientId = "rpo-simulate", LingerMs = 20, BatchSize = 512 * 1024 };
            using var producer = new TrafficProducer(clients, config, kafka.Serdes(parse));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };

            SimulationResult result;
            if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var registerTask = ctx.AddTask("register", maxValue: Math.Max(1, plan.Register));
                        var intentTask = ctx.AddTask(plan.Continuous ? $"intents at {plan.Rate:0}/s" : "intents", maxValue: plan.Continuous ? 1 : Math.Max(1, plan.Intents));
                        if (plan.Continuous)
                        {
                            intentTask.IsIndeterminate = true;
                        }
                        return TrafficRun.Run(producer, plan, PolicyRules.Default, p =>
                        {
                            if (p.Phase == "register")
                            {
                                registerTask.Value = p.Done;
                            }
                            else if (plan.Continuous)
                            {
                                intentTask.Description = $"intents at {plan.Rate:0}/s: {p.Done:N0} sent";
                            }
                            else
                            {
                                intentTask.Value = p.Done;
                            }
                        }, stop.Token);
                    });
            }
            else
            {
                result = TrafficRun.Run(producer, plan, PolicyRules.Default, null, stop.Token);
            }
            Console.WriteLine(result);
            return Task.FromResult(result.Failures == 0 ? 0 : 1);
        });
        return command;
    }
}
