using System.Text;
using Avro;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A record type's Avro binary encoding written by hand, for the few records every decision reads or writes
/// (<see cref="HotPathCodecs"/>). It must produce exactly the bytes Apache.Avro's datum writer produces for
/// the record's own schema, and read them back to an equal record (the codec tests compare both on random
/// records). <see cref="AvroSerDes{T}"/> uses it only for a writer schema whose parsing form equals the
/// reader's; any other writer schema goes through Avro's schema resolution.
/// </summary>
public interface IAvroCodec<T>
{
    void Write(AvroWriter writer, T value);

    T Read(ref AvroReader reader);
}

/// <summary>Reads one item of an array.</summary>
public delegate T AvroItemReader<T>(ref AvroReader reader);

/// <summary>Avro binary encoding into a growing buffer, reused per thread (Avro's <c>BinaryEncoder</c> rules).</summary>
public sealed class AvroWriter
{
    private byte[] buffer = new byte[512];

    public int Length { get; private set; }

    public void Reset() => Length = 0;

    public byte[] ToArray() => buffer.AsSpan(0, Length).ToArray();

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Room(bytes.Length));
        Length += bytes.Length;
    }

    /// <summary>A long or an int: zig-zag, then base-128 varint.</summary>
    public void Number(long value)
    {
        var n = (ulong)((value << 1) ^ (value >> 63));
        var span = Room(10);
        var i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }
        span[i++] = (byte)n;
        Length += i;
    }

    /// <summary>An enum symbol or a union branch: its index.</summary>
    public void Index(int index) => Number(index);

    public void Flag(bool value) => Raw([value ? (byte)1 : (byte)0]);

    /// <summary><c>timestamp-millis</c> as Avro converts a <see cref="DateTime"/> to it.</summary>
    public void Millis(DateTime value) => Number((long)(value.ToUniversalTime() - DateTime.UnixEpoch).TotalMilliseconds);

    public void Text(string? value, string field)
    {
        if (value is null)
        {
            throw new AvroException($"'{field}' is null, which its schema does not allow");
        }
        var count = Encoding.UTF8.GetByteCount(value);
        Number(count);
        Encoding.UTF8.GetBytes(value, Room(count));
        Length += count;
    }

    public void Bytes(byte[]? value, string field)
    {
        if (value is null)
        {
            throw new AvroException($"'{field}' is null, which its schema does not allow");
        }
        Number(value.Length);
        Raw(value);
    }

    /// <summary>A ["null", record or array] union: branch 0 for null, else branch 1 and the value.</summary>
    public void Optional<T>(T? value, Action<AvroWriter, T> write) where T : class
    {
        Index(value is null ? 0 : 1);
        if (value is not null)
        {
            write(this, value);
        }
    }

    /// <summary>A ["null", enum or number] union.</summary>
    public void Optional<T>(T? value, Action<AvroWriter, T> write) where T : struct
    {
        Index(value is null ? 0 : 1);
        if (value is { } v)
        {
            write(this, v);
        }
    }

    /// <summary>A ["null", string] union.</summary>
    public void OptionalText(string? value, string field)
    {
        Index(value is null ? 0 : 1);
        if (value is not null)
        {
            Text(value, field);
        }
    }

    /// <summary>An array in one block, as Avro's writer writes it: the count (none when empty), the items, then 0.</summary>
    public void Array<T>(IList<T>? items, string field, Action<AvroWriter, T> item)
    {
        if (items is null)
        {
            throw new AvroException($"'{field}' is null, which its schema does not allow");
        }
        if (items.Count > 0)
        {
            Number(items.Count);
        }
        foreach (var value in items)
        {
            item(this, value);
        }
        Number(0);
    }

    private Span<byte> Room(int bytes)
    {
        if (Length + bytes > buffer.Length)
        {
            System.Array.Resize(ref buffer, Math.Max(buffer.Length * 2, Length + bytes));
        }
        return buffer.AsSpan(Length, bytes);
    }
}

/// <summary>
/// Avro binary decoding over a span (Avro's <c>BinaryDecoder</c> rules). Every length and count is checked
/// against what is left before anything is allocated, so a hostile length costs nothing.
/// </summary>
public ref struct AvroReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int position;

    /// <summary>The items of every array and map block read so far.</summary>
    private long items;

    public long Number()
    {
        ulong n = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new AvroException("end of data in the middle of a number");
            }
            var b = data[position++];
            n |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(n >> 1) ^ -(long)(n & 1);
            }
        }
        throw new AvroException("a number is longer than 10 bytes");
    }

    public int Number32()
    {
        var value = Number();
        return value is < int.MinValue or > int.MaxValue ? throw new AvroException($"{value} does not fit an int") : (int)value;
    }

    public DateTime Millis() => DateTime.UnixEpoch.AddMilliseconds(Number());

    /// <summary>A union branch or enum index that must be below <paramref name="count"/>.</summary>
    public int Index(int count, string field)
    {
        var index = Number();
        return index >= 0 && index < count ? (int)index : throw new AvroException($"'{field}' has no branch {index}");
    }

    public bool Flag()
    {
        if (position >= data.Length)
        {
            throw new AvroException("end of data where a boolean was expected");
        }
        return data[position++] switch
        {
            0 => false,
            1 => true,
            var b => throw new AvroException($"{b} is not a boolean"),
        };
    }

    /// <summary>An enum's index as it is (Avro's reader does not check it either; intake does).</summary>
    public int Symbol() => Number32();

    public string Text() => Encoding.UTF8.GetString(Take());

    public byte[] Bytes() => Take().ToArray();

    /// <summary>Whether an optional field (a <c>["null", T]</c> union) holds a value, which then follows.</summary>
    public bool Present(string field) => Index(2, field) == 1;

    public string? OptionalText(string field) => Present(field) ? Text() : null;

    public DateTime? OptionalMillis(string field) => Present(field) ? Millis() : null;

    /// <summary>An array, read block by block, each item by <paramref name="item"/>.</summary>
    public List<T> Array<T>(AvroItemReader<T> item)
    {
        var list = new List<T>();
        for (var n = NextBlock(); n > 0; n = NextBlock())
        {
            for (var i = 0; i < n; i++)
            {
                list.Add(item(ref this));
            }
        }
        return list;
    }

    /// <summary>The items of the next block of an array or map, 0 at its end.</summary>
    public int NextBlock()
    {
        var count = Number();
        if (count < 0)
        {
            count = -count;
            Number(); // the block's size in bytes, which a reader that decodes every item does not need
        }
        // Every item here takes at least one byte: a count beyond what is left is a lie. So are more items in all than the
        // value has bytes: blocks of null items (no bytes each) would otherwise pass one by one, each as long as what is
        // left after it, and a 64 KB value would claim hundreds of millions of items.
        if (count > data.Length - position)
        {
            throw new AvroException($"an array block of {count} items in {data.Length - position} bytes");
        }
        items += count;
        return items <= data.Length ? (int)count : throw new AvroException($"arrays and maps of more items in all ({items}) than the value has bytes ({data.Length})");
    }

    /// <summary>Passes over a string or bytes value (its length first), checked against what is left.</summary>
    public void SkipLengthPrefixed() => Take();

    /// <summary>Passes over <paramref name="count"/> bytes (a float, a double, a fixed), checked against what is left.</summary>
    public void Skip(int count)
    {
        if (count > data.Length - position)
        {
            throw new AvroException($"{count} bytes expected with {data.Length - position} left");
        }
        position += count;
    }

    private ReadOnlySpan<byte> Take()
    {
        var length = Number();
        if (length < 0 || length > data.Length - position)
        {
            throw new AvroException($"a length of {length} with {data.Length - position} bytes left");
        }
        var span = data.Slice(position, (int)length);
        position += (int)length;
        return span;
    }
}
