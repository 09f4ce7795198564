using System.Net;
using System.Net.Sockets;

namespace RpoStreams.Testing;

/// <summary>
/// Loopback ports for the processes a test starts. A port is taken from below the kernel's ephemeral range
/// (<c>ip_local_port_range</c> starts at 32768), so no outgoing connection of a Kafka client can take it
/// between the test choosing it and the gate binding it, and no port is handed out twice in one test run
/// (two gates of one test once both got the port the kernel had just freed).
/// </summary>
public static class LocalPorts
{
    private const int Lowest = 20_000;
    private const int Highest = 32_000;
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A loopback port that is free now and was not handed out before in this process.</summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, Highest);
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }
                HandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
