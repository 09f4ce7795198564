using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy.Subjects;
using RpoStreams.Simulation;

namespace RpoStreams.Cli;

/// <summary><c>rpo deadletters</c>: what is in rpo.deadletter.v1, and with the hash secret, the original bytes.</summary>
internal static class DeadLettersCommand
{
    public static Command Create()
    {
        var kafka = new KafkaOptions();
        var unseal = new Option<bool>("--unseal") { Description = "Show the original key and value (needs the gate's Subjects__HashSecret in the environment)" };
        var max = new Option<int>("--max") { Description = "Show at most this many dead letters", DefaultValueFactory = _ => 100 };
        var command = new Command("deadletters", "List the dead letters: source topic, partition, offset and why; --unseal recovers the original bytes, to repair and produce again by hand") { unseal, max };
        kafka.AddTo(command);
        command.SetAction(parse =>
        {
            var bootstrap = kafka.BootstrapOf(parse, "deadletters");
            if (bootstrap is null)
            {
                return 2;
            }
            DeadLetterSeal? seal = null;
            if (parse.GetValue(unseal))
            {
                var secret = Environment.GetEnvironmentVariable("Subjects__HashSecret");
                if (string.IsNullOrEmpty(secret))
                {
                    Console.Error.WriteLine("rpo deadletters: --unseal needs the gate's hash secret in Subjects__HashSecret");
                    return 2;
                }
                seal = new DeadLetterSeal(new SubjectHasher(secret));
            }
            var serdes = kafka.Serdes(parse);
            using var clients = KafkaOptions.Connect(bootstrap, "deadletters");
            if (clients is null)
            {
                return 2;
            }
            var shown = 0;
            // Read up to the end offsets (assigned, not subscribed: no wait for a group to form on a real cluster).
            foreach (var (_, value) in TopicReader.ReadToEnd(bootstrap, TopicNames.DeadLetters, "rpo-deadletters", clients).Take(parse.GetValue(max)))
            {
                var dead = serdes.DeadLetter.Deserialize(value, new SerializationContext(MessageComponentType.Value, TopicNames.DeadLetters));
                Console.WriteLine($"{dead.failedAt:O} {dead.topic}[{dead.partition}]@{dead.offset} ({(dead.valueLength < 0 ? "no value" : $"{dead.valueLength} bytes")}): {dead.error}");
                if (seal != null)
                {
                    Console.WriteLine($"    key:   {Show(seal.Unseal(dead.sealedKey))}");
                    Console.WriteLine($"    value: {Show(seal.Unseal(dead.sealedValue))}");
                    if (seal.Unseal(dead.sealedHeaders) is { } headers)
                    {
                        Console.WriteLine($"    headers: {string.Join(", ", InputHeaders.Decode(headers).Select(h => $"{Show(Encoding.UTF8.GetBytes(h.Name))}={Show(h.Value)}"))}");
                    }
                }
                shown++;
            }
            Console.WriteLine($"{shown} dead letters shown");
            return 0;
        });
        return command;
    }

    private static string Show(byte[]? bytes)
    {
        if (bytes is null)
        {
            return "(null)";
        }
        var printable = bytes.All(b => b is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\t');
        return printable ? Encoding.UTF8.GetString(bytes) : "base64:" + Convert.ToBase64String(bytes);
    }
}
