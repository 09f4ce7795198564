using RpoStreams.Bench;

return await BenchCommand.Create().Parse(args).InvokeAsync();
