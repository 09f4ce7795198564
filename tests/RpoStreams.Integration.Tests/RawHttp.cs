using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests HttpClient will not make: a body that stalls, a body larger than
/// announced or sent while the server has already answered. Writes the body while reading, and stops writing
/// once the server answers or closes, as a hostile client that does not care would not.
/// </summary>
internal static class RawHttp
{
    /// <summary>The status code (0 when none came), the whole answer as text, and the time to the answer.</summary>
    public sealed record Answer(int Status, string Text, TimeSpan Took);

    /// <summary>Sends <paramref name="head"/> and <paramref name="body"/>, waiting <paramref name="pace"/> after each piece of it (none when null).</summary>
    public static async Task<Answer> SendAsync(int port, string head, IEnumerable<ReadOnlyMemory<byte>> body, TimeSpan timeout, CancellationToken cancel, TimeSpan? pace = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel);
        var stream = client.GetStream();
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        var reading = ReadAnswerAsync(stream, deadline.Token);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ReplaceLineEndings("\r\n") + "\r\n"), deadline.Token);
            foreach (var chunk in body)
            {
                if (reading.IsCompleted)
                {
                    break;
                }
                await stream.WriteAsync(chunk, deadline.Token);
                if (pace is { } wait)
                {
                    await Task.WhenAny(reading, Task.Delay(wait, deadline.Token));
                }
            }
        }
        catch (IOException)
        {
            // The server answered and closed while the body was still going out.
        }
        var text = await reading;
        var took = clock.Elapsed;
        var status = text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && text.Length >= 12
            ? int.Parse(text.AsSpan(9, 3), CultureInfo.InvariantCulture)
            : 0;
        return new Answer(status, text, took);
    }

    /// <summary>Reads until one whole answer (headers and Content-Length bytes of body) is in, or the connection ends.</summary>
    private static async Task<string> ReadAnswerAsync(NetworkStream stream, CancellationToken cancel)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancel);
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
                if (IsComplete(received))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // A reset after the answer, or the deadline: what came in is the answer.
        }
        return Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
    }

    private static bool IsComplete(MemoryStream received)
    {
        var text = Encoding.ASCII.GetString(received.GetBuffer(), 0, (int)received.Length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }
        foreach (var line in text[..end].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return received.Length >= end + 4 + long.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }

    /// <summary><paramref name="data"/> as one chunk of chunked transfer encoding (empty: the last chunk).</summary>
    public static byte[] Chunk(ReadOnlySpan<byte> data) =>
        [.. Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), .. data, .. "\r\n"u8];

    /// <summary><paramref name="total"/> bytes of <paramref name="fill"/> in 64 KB pieces, produced as they are sent.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Repeat(byte fill, long total)
    {
        var piece = new byte[64 * 1024];
        Array.Fill(piece, fill);
        for (long sent = 0; sent < total; sent += piece.Length)
        {
            yield return piece.AsMemory(0, (int)Math.Min(piece.Length, total - sent));
        }
    }

    /// <summary>The same, as chunks of chunked transfer encoding (without the final empty chunk: the body never ends).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Chunked(byte fill, long total)
    {
        foreach (var piece in Repeat(fill, total))
        {
            yield return Encoding.ASCII.GetBytes(piece.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
            yield return piece;
            yield return "\r\n"u8.ToArray();
        }
    }
}
