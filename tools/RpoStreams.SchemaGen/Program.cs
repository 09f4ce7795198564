using RpoStreams.SchemaGen;

var root = AvroTypeGenerator.FindRepoRoot(args.Length > 0 ? args[0] : Directory.GetCurrentDirectory());
var output = Path.Combine(root, AvroTypeGenerator.OutputFolder);
var generated = AvroTypeGenerator.Generate(Path.Combine(root, "schemas"));

if (Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}
foreach (var (relative, code) in generated)
{
    var path = Path.Combine(output, relative);
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    File.WriteAllText(path, code);
}
Console.WriteLine($"wrote {generated.Count} types to {AvroTypeGenerator.OutputFolder}");
