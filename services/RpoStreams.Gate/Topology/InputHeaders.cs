using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// What the gate does with an input record's headers. Producers may put anything in them, a number or an address
/// among it, and Streamiz would copy them onto every record the input leads to. Only a well-formed W3C
/// <c>traceparent</c> goes on (decisions, alerts, the subject-events hop); a dead letter keeps the original headers
/// sealed with its key and value.
/// </summary>
public static class InputHeaders
{
    /// <summary>The one header that goes on.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>
    /// The trace context of <paramref name="headers"/> alone: its first <c>traceparent</c>, when it has the W3C form
    /// (<c>00-</c>32 hex<c>-</c>16 hex<c>-</c>2 hex, 55 bytes), so nothing else can ride on it. <c>tracestate</c> is dropped: its
    /// values are free text. The same instance when there is nothing to drop.
    /// </summary>
    public static Headers? TraceOnly(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return headers;
        }
        byte[]? trace = null;
        var others = false;
        foreach (var header in headers)
        {
            if (trace is null && header.Key == TraceParent && header.GetValueBytes() is { } value && IsTraceParent(value))
            {
                trace = value;
            }
            else
            {
                others = true;
            }
        }
        if (!others)
        {
            return headers;
        }
        var kept = new Headers();
        if (trace is not null)
        {
            kept.Add(TraceParent, trace);
        }
        return kept;
    }

    /// <summary>A W3C trace context version 00 <c>traceparent</c>: <c>00-{32 hex}-{16 hex}-{2 hex}</c>, lower case.</summary>
    public static bool IsTraceParent(ReadOnlySpan<byte> value)
    {
        if (value.Length != 55 || value[2] != '-' || value[35] != '-' || value[52] != '-' || value[0] != '0' || value[1] != '0')
        {
            return false;
        }
        for (var i = 0; i < value.Length; i++)
        {
            if (i is 2 or 35 or 52)
            {
                continue;
            }
            if (value[i] is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }
        return true;
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
