using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// What the gate does with an input record's headers. Producers may put anything in them, a number or an address
/// among it, and Streamiz would copy them onto every record the input leads to. Only the W3C trace context goes on
/// (decisions, alerts, the subject-events hop); a dead letter keeps the original headers sealed with its key and value.
/// </summary>
public static class InputHeaders
{
    /// <summary>The headers that go on: <c>traceparent</c> and <c>tracestate</c>.</summary>
    public static readonly IReadOnlyList<string> Kept = ["traceparent", "tracestate"];

    /// <summary>The trace context of <paramref name="headers"/> alone (the same instance when there is nothing else).</summary>
    public static Headers? TraceOnly(Headers? headers)
    {
        if (headers is null || headers.Count == 0 || headers.All(h => Kept.Contains(h.Key)))
        {
            return headers;
        }
        var kept = new Headers();
        foreach (var header in headers.Where(h => Kept.Contains(h.Key)))
        {
            kept.Add(header.Key, header.GetValueBytes());
        }
        return kept;
    }

    /// <summary>
    /// The headers as bytes, to be sealed (null when there are none): per header, in order, its name's UTF-8 length
    /// (int32, big-endian), the name, its value's length (-1 for a null value) and the value.
    /// </summary>
    public static byte[]? Encode(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var header in headers)
        {
            var name = Encoding.UTF8.GetBytes(header.Key);
            var value = header.GetValueBytes();
            BinaryPrimitives.WriteInt32BigEndian(length, name.Length);
            buffer.Write(length);
            buffer.Write(name);
            BinaryPrimitives.WriteInt32BigEndian(length, value?.Length ?? -1);
            buffer.Write(length);
            buffer.Write(value ?? []);
        }
        return buffer.ToArray();
    }

    /// <summary>The headers <see cref="Encode"/> wrote.</summary>
    public static IReadOnlyList<(string Name, byte[]? Value)> Decode(byte[] encoded)
    {
        var headers = new List<(string, byte[]?)>();
        var rest = encoded.AsSpan();
        while (!rest.IsEmpty)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(rest);
            var name = Encoding.UTF8.GetString(rest.Slice(4, nameLength));
            rest = rest[(4 + nameLength)..];
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(rest);
            rest = rest[4..];
            byte[]? value = null;
            if (valueLength >= 0)
            {
                value = rest[..valueLength].ToArray();
                rest = rest[valueLength..];
            }
            headers.Add((name, value));
        }
        return headers;
    }
}
