using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// An HTTPS proxy on loopback (for HTTPS_PROXY) that records the host of every CONNECT and refuses it
/// with 403: a test sees which AWS host a script would have reached, and nothing leaves the machine.
/// </summary>
public sealed class ConnectRecorder : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public ConcurrentQueue<string> Hosts { get; } = new();

    public string Endpoint { get; }

    public ConnectRecorder()
    {
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _ = Task.Run(Loop);
    }

    async Task Loop()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                    var first = await reader.ReadLineAsync() ?? "";
                    if (first.StartsWith("CONNECT ", StringComparison.Ordinal)) Hosts.Enqueue(first.Split(' ')[1]);
                    await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                }
            });
        }
    }

    public void Dispose() => _listener.Stop();
}
